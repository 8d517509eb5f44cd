"""The 清洗比对 engine: cluster synonymous fields without comparing all pairs.

1. Records are folded into *variants*: one per (core name, concept). 250,000 fields carry far fewer
   distinct names, and every later step works on variants.
2. Variants of one concept (synonym set, its pinyin initials, a conditional term met by context) join.
3. An ASCII abbreviation joins the Chinese name whose pinyin initials it spells (sfzhm → 身份证号码) when
   that reading is unambiguous or clearly dominant.
4. Similar names join by rapidfuzz ratio, compared only inside blocks: each name is filed under its two
   rarest n-grams, and blocks larger than `max_block` (uninformative grams such as 名称) are skipped.
   A similarity merge also needs the same 表示词, no differing 区分词, compatible types and lengths (known
   lengths more than LENGTH_RATIO apart refuse it, as they refuse a pinyin-initials merge; a synonym-list
   merge stands, and its cluster then says the lengths differ).
Union-find keeps one concept per cluster, so two known concepts never merge through a chain of
similar names; refused pairs and related concepts become links instead.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .blocking import similar_pairs
from .concepts import ConceptIndex
from .normalise import families_compatible, terms_conflict
from .records import EngineResult, FieldRecord, Reason, SynonymSet, gettext_noop
from .unionfind import ConceptUnionFind
from .variants import LENGTH_RATIO, Variants
from .vocabulary import DEFAULT_SYNONYM_SETS


@dataclass(frozen=True)
class EngineConfig:
    fuzzy_cutoff_cjk: float = 85.0  # rapidfuzz ratio, 0..100
    fuzzy_cutoff_ascii: float = 90.0
    min_fuzzy_length: int = 3
    min_fuzzy_length_ascii: int = 8
    substitution_cutoff: float = 95.0  # below this, a similar pair must differ by inserted characters only
    max_block: int = 400
    grams_per_name: int = 2
    initials_min_length: int = 3
    initials_dominance: float = 3.0  # the leading reading must cover this many times the runner-up's fields
    min_cluster_fields: int = 2


def cluster_fields(
    records: Sequence[FieldRecord] | Iterable[FieldRecord],
    *,
    synonym_sets: Iterable[SynonymSet] = DEFAULT_SYNONYM_SETS,
    config: EngineConfig = EngineConfig(),  # noqa: B008  (frozen, so sharing the default is safe)
) -> EngineResult:
    """Propose clusters of synonymous fields; see the module docstring for the rules."""
    concepts = ConceptIndex(synonym_sets)
    variants = Variants.build(records, concepts)
    sets = _UnionSteps(variants, concepts, config)
    sets.join_concepts()
    sets.join_initials()
    comparisons = sets.join_similar()
    result = variants.result(sets.forest, sets.links, concepts, config.min_cluster_fields)
    result.fuzzy_comparisons = comparisons
    return result


class _UnionSteps:
    def __init__(self, variants: Variants, concepts: ConceptIndex, config: EngineConfig) -> None:
        self.v = variants
        self.concepts = concepts
        self.config = config
        self.forest = ConceptUnionFind(variants.concept, variants.terms)
        self.links: list[tuple[int, int, Reason]] = []

    def join_concepts(self) -> None:
        first_of: dict[str, int] = {}
        for vid, key in enumerate(self.v.concept):
            if key is None:
                continue
            anchor = first_of.setdefault(key, vid)
            reason = self.v.concept_reason[vid]
            if anchor != vid and reason is not None:
                self.forest.union(anchor, vid, reason, synonym=True)

    def join_initials(self) -> None:
        by_initials: dict[str, list[int]] = {}
        for vid, spelled in enumerate(self.v.initials):
            for abbreviation in spelled:
                if len(abbreviation) >= self.config.initials_min_length:
                    by_initials.setdefault(abbreviation, []).append(vid)
        for vid, name in enumerate(self.v.core):
            if self.v.cjk[vid] or self.v.concept[vid] is not None or name not in by_initials:
                continue
            target, confidence = self._dominant_reading(by_initials[name])
            if target is None:
                continue
            reason = Reason(
                "pinyin_initials", gettext_noop("拼音首字母相同"), f"{name} = {self.v.label(target)}", confidence
            )
            if not families_compatible(self.v.family(vid), self.v.family(target)):
                continue
            if self._length_refusal(vid, target) is not None:
                continue
            if not self.forest.union(target, vid, reason):
                self.links.append((target, vid, reason))

    def _dominant_reading(self, candidates: list[int]) -> tuple[int | None, float]:
        weight: Counter[int] = Counter()
        representative: dict[int, int] = {}
        for vid in candidates:
            root = self.forest.find(vid)
            weight[root] += self.v.count[vid]
            representative.setdefault(root, vid)
        ranked = weight.most_common(2)
        if len(ranked) == 1:
            return representative[ranked[0][0]], 0.85
        if ranked[0][1] >= self.config.initials_dominance * ranked[1][1]:
            return representative[ranked[0][0]], 0.7
        return None, 0.0

    def join_similar(self) -> int:
        pairs, comparisons = similar_pairs(self.v, self.config)
        for score, a, b in sorted(pairs, reverse=True):
            if self.forest.find(a) == self.forest.find(b):
                continue
            detail = f"{self.v.label(a)} ≈ {self.v.label(b)} {score:.0f}%"
            refusal = self._refusal(a, b)
            if refusal is not None:
                if refusal.code == "distinguishing_terms":  # 户籍/居住 belong side by side; 日期/电话 do not
                    self.links.append((a, b, refusal))
                continue
            reason = Reason("fuzzy", gettext_noop("名称相似"), detail, round(score / 100 * 0.9, 3))
            if not self.forest.union(a, b, reason):
                self.links.append((a, b, self._kept_apart(a, b, detail)))
        return comparisons

    def _kept_apart(self, a: int, b: int, detail: str) -> Reason:
        """Why the union of two similar names' clusters was refused: their 区分词, or different concepts."""
        conflict = terms_conflict(self.forest.terms[self.forest.find(a)], self.forest.terms[self.forest.find(b)])
        if conflict:
            return Reason("distinguishing_terms", gettext_noop("区分词不同"), f"{conflict[0]}/{conflict[1]}", 0.5)
        return Reason("kept_apart", gettext_noop("相似但属不同数据元"), detail, 0.5)

    def _refusal(self, a: int, b: int) -> Reason | None:
        v = self.v
        rep_a, rep_b = v.representation[a], v.representation[b]
        if rep_a and rep_b and rep_a != rep_b:
            return Reason("representation_differs", gettext_noop("表示词不同"), f"{rep_a}/{rep_b}", 0.0)
        conflict = terms_conflict(v.terms[a], v.terms[b])
        if conflict:
            return Reason("distinguishing_terms", gettext_noop("区分词不同"), f"{conflict[0]}/{conflict[1]}", 0.5)
        if not families_compatible(v.family(a), v.family(b)):
            return Reason("type_mismatch", gettext_noop("数据类型不一致"), f"{v.family(a)}/{v.family(b)}", 0.0)
        return self._length_refusal(a, b)

    def _length_refusal(self, a: int, b: int) -> Reason | None:
        """Both variants have known lengths and even the closest differ by more than LENGTH_RATIO."""
        span_a, span_b = self.v.length_span(a), self.v.length_span(b)
        if span_a is None or span_b is None:
            return None
        if span_a[1] * LENGTH_RATIO < span_b[0] or span_b[1] * LENGTH_RATIO < span_a[0]:
            detail = f"{self.v.label(a)} {_span(span_a)} / {self.v.label(b)} {_span(span_b)}"
            return Reason("length_mismatch", gettext_noop("数据长度相差悬殊"), detail, 0.0)
        return None


def _span(span: tuple[int, int]) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}–{span[1]}"
