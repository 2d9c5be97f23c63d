"""Sight: recognise what footage shows and relate it to voiceover sentences, from packaged weights, offline.

* :mod:`.pth_reader` reads the packaged torch ``.pth`` (legacy format, non-contiguous strides) without torch;
* :mod:`.convert` rebuilds it as an ONNX graph once and caches it (weights hash + converter version);
* :mod:`.labels` and :mod:`.lexicon` relate the 1000 ImageNet labels to English and Chinese words;
* :mod:`.wordnet` reaches labels from nouns that name none, through WordNet 3.0 (giraffe → ruminants);
* :mod:`.model` is the API: :func:`~.model.load_sight`, :meth:`~.model.Sight.describe` (pictures → labels)
  and :meth:`~.model.Sight.score` (sentences × windows → relevance, confidence, evidence).

The analyser that runs it during the decoding pass is :mod:`scene_select.workstation.engine.visual`;
matching fuses its scores with the text signals (:mod:`scene_select.workstation.engine.matching`).
docs/engine.md#sight has the choices, the licenses and the measured figures. Nothing here is imported
until sight is used: the modules import numpy and onnxruntime at the top.
"""
