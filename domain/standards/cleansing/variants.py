"""Records folded into variants (one per core name and concept), and the result built back from them."""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .concepts import MISSING_PREFIX, ConceptIndex
from .normalise import core, distinguishing_terms, has_cjk, initials, normalise, representation, type_family
from .records import EngineResult, FieldRecord, ProposedCluster, ProposedLink, Reason, gettext_noop
from .unionfind import ConceptUnionFind

# A comment names the column up to its first space or punctuation; longer heads are descriptions.
_COMMENT_HEAD = re.compile(r"[\s,，;；:：(（\[【/、。.]")
MAX_COMMENT_NAME = 20
# Known lengths further apart than this factor are not one element (a code of 18 vs an address of 200).
LENGTH_RATIO = 4


@dataclass(frozen=True, slots=True)
class _Name:
    normalised: str
    core: str
    cjk: bool
    concept: str | None
    reason: Reason | None
    conditional: bool
    initials: frozenset[str]
    display: str  # the name as matched: the field name, or the Chinese reading its comment gives
    comment_reason: Reason | None


@dataclass
class Variants:
    core: list[str] = field(default_factory=list)
    concept: list[str | None] = field(default_factory=list)
    concept_reason: list[Reason | None] = field(default_factory=list)
    cjk: list[bool] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    names: list[Counter[str]] = field(default_factory=list)
    families: list[Counter[str]] = field(default_factory=list)
    lengths: list[set[int]] = field(default_factory=list)
    initials: list[frozenset[str]] = field(default_factory=list)
    representation: list[str | None] = field(default_factory=list)
    terms: list[tuple[frozenset[str], ...]] = field(default_factory=list)
    of_record: list[int] = field(default_factory=list)
    comment_reasons: dict[int, Reason] = field(default_factory=dict)  # record → "字段注释 sfzhm = 身份证号码"
    fields_scanned: int = 0

    @classmethod
    def build(cls, records: Iterable[FieldRecord], concepts: ConceptIndex) -> "Variants":
        self = cls()
        memo: dict[tuple[str, str], _Name] = {}
        index: dict[tuple[str, str | None], int] = {}
        for record in records:
            name = memo.get((record.name, record.comment))
            if name is None:
                name = memo[(record.name, record.comment)] = _describe(record.name, record.comment, concepts)
            if not name.core:  # nothing left to compare (blank or punctuation only): the field stands alone
                self.of_record.append(-1)
                continue
            concept, reason = name.concept, name.reason
            if name.conditional:
                concept, reason = concepts.lookup_in_context(name.core, record.context)
            vid = index.get((name.core, concept))
            if vid is None:
                vid = index[(name.core, concept)] = self._add(name, concept, reason)
            self.of_record.append(vid)
            self.count[vid] += 1
            self.names[vid][name.display] += 1
            if name.comment_reason is not None:
                self.comment_reasons[len(self.of_record) - 1] = name.comment_reason
            self.families[vid][type_family(record.data_type)] += 1
            if record.length:
                self.lengths[vid].add(record.length)
        self.fields_scanned = len(self.of_record)
        return self

    def _add(self, name: _Name, concept: str | None, reason: Reason | None) -> int:
        self.core.append(name.core)
        self.concept.append(concept)
        self.concept_reason.append(reason)
        self.cjk.append(name.cjk)
        self.count.append(0)
        self.names.append(Counter())
        self.families.append(Counter())
        self.lengths.append(set())
        self.initials.append(name.initials)
        self.representation.append(representation(name.core))
        self.terms.append(distinguishing_terms(name.core))
        return len(self.core) - 1

    def label(self, vid: int) -> str:
        return self.names[vid].most_common(1)[0][0]

    def length_span(self, vid: int) -> tuple[int, int] | None:
        """The shortest and longest known length of the variant's fields, or None when none is known."""
        lengths = self.lengths[vid]
        return (min(lengths), max(lengths)) if lengths else None

    def family(self, vid: int) -> str:
        for family, _count in self.families[vid].most_common():
            if family:
                return family
        return ""

    def result(
        self, forest: ConceptUnionFind, links: list[tuple[int, int, Reason]], concepts: ConceptIndex, min_fields: int
    ) -> EngineResult:
        members: dict[int, list[int]] = defaultdict(list)
        for record, vid in enumerate(self.of_record):
            if vid >= 0:
                members[forest.find(vid)].append(record)
        cluster_of = [-1] * len(self.of_record)
        clusters: list[ProposedCluster] = []
        cluster_of_root: dict[int, int] = {}
        edges_by_root: dict[int, list[Reason]] = defaultdict(list)
        for a, _b, reason in forest.edges:
            edges_by_root[forest.find(a)].append(reason)
        for root, records in members.items():
            if len(records) < min_fields:
                continue
            cluster_of_root[root] = len(clusters)
            clusters.append(self._cluster(root, records, edges_by_root[root], forest, concepts))
            for record in records:
                cluster_of[record] = cluster_of_root[root]
        return EngineResult(
            clusters=clusters,
            links=_links(links, forest, cluster_of_root, clusters, concepts),
            cluster_of=cluster_of,
            fields_scanned=self.fields_scanned,
            names_distinct=sum(len(names) for names in self.names),
        )

    def _cluster(
        self, root: int, records: list[int], edges: list[Reason], forest: ConceptUnionFind, concepts: ConceptIndex
    ) -> ProposedCluster:
        vids = sorted({self.of_record[r] for r in records}, key=lambda v: -self.count[v])
        reasons = _unique(edges + [self.comment_reasons[r] for r in records if r in self.comment_reasons])
        if not edges and len(self.names[root]) > 1:
            reasons.append(Reason("normalised", gettext_noop("规范化后相同"), " / ".join(self.names[root]), 0.97))
        confidence = min([reason.confidence for reason in reasons] or [1.0])
        families = sorted({self.family(v) for v in vids} - {""})
        if len(families) > 1:
            reasons.append(Reason("type_mismatch", gettext_noop("数据类型不一致"), "/".join(families), 0.8))
            confidence *= 0.8
        spans = [span for span in (self.length_span(v) for v in vids) if span is not None]
        if spans and max(high for _low, high in spans) > LENGTH_RATIO * min(low for low, _high in spans):
            detail = f"{min(low for low, _high in spans)}–{max(high for _low, high in spans)}"
            reasons.append(Reason("length_mismatch", gettext_noop("数据长度相差悬殊"), detail, 0.8))
            confidence *= 0.8
        concept = forest.concept[root]
        known = concept is not None and not concept.startswith(MISSING_PREFIX)
        suggested = concepts.sets[concept].name if known and concept else self._suggested_name(vids)
        member_reasons = {}
        for record in records:
            vid = self.of_record[record]
            # Its own evidence first (the synonym or context that named it), else the edge that brought it in.
            member_reasons[record] = (
                self.comment_reasons.get(record)
                or self.concept_reason[vid]
                or forest.joined_by.get(vid)
                or Reason("same_name", gettext_noop("名称相同"), self.core[vid])
            )
        return ProposedCluster(
            members=records,
            confidence=round(confidence, 3),
            reasons=reasons[:30],
            suggested_name=suggested,
            concept=concept if known else None,
            member_reasons=member_reasons,
        )

    def _suggested_name(self, vids: list[int]) -> str:
        names: Counter[str] = Counter()
        for vid in vids:
            names.update(self.names[vid])
        chinese = [name for name, _count in names.most_common() if has_cjk(name)]
        return chinese[0] if chinese else names.most_common(1)[0][0]


def _comment_reading(raw: str, comment: str) -> str:
    """The Chinese name a comment gives an ASCII column ("身份证号码（18位）" → 身份证号码), else ""."""
    if not comment or has_cjk(raw):
        return ""
    head = _COMMENT_HEAD.split(comment.strip(), maxsplit=1)[0]
    return head if has_cjk(head) and len(head) <= MAX_COMMENT_NAME else ""


def _describe(raw: str, comment: str, concepts: ConceptIndex) -> _Name:
    reading = _comment_reading(raw, comment)
    display = reading or raw
    by_comment = Reason("comment", gettext_noop("字段注释"), f"{raw} = {reading}", 0.95) if reading else None
    normalised = normalise(display)
    name_core = core(normalised)
    cjk = has_cjk(name_core)
    spelled = frozenset({initials(name_core), initials(normalised)}) if cjk else frozenset()
    if concepts.is_conditional(name_core):
        return _Name(normalised, name_core, cjk, None, None, True, spelled, display, by_comment)
    concept, reason = concepts.lookup(name_core, cjk)
    return _Name(normalised, name_core, cjk, concept, reason, False, spelled, display, by_comment)


def _unique(reasons: list[Reason]) -> list[Reason]:
    seen: dict[str, Reason] = {}
    for reason in reasons:
        seen.setdefault(reason.text, reason)
    return list(seen.values())


def _links(
    pairs: list[tuple[int, int, Reason]],
    forest: ConceptUnionFind,
    cluster_of_root: dict[int, int],
    clusters: list[ProposedCluster],
    concepts: ConceptIndex,
) -> list[ProposedLink]:
    found: dict[tuple[int, int], Reason] = {}
    by_concept: dict[str, int] = {}
    for index, cluster in enumerate(clusters):
        if cluster.concept:
            by_concept[cluster.concept] = index
    for root, index in cluster_of_root.items():
        concept = forest.concept[root]
        if concept and concept.startswith(MISSING_PREFIX) and concept[1:] in by_concept:
            other = by_concept[concept[1:]]
            detail = f"{clusters[index].suggested_name} ↔ {concepts.sets[concept[1:]].name}"
            found.setdefault(
                (min(index, other), max(index, other)),
                Reason("context_missing", gettext_noop("上下文不符"), detail, 0.5),
            )
    for key, index in by_concept.items():
        for related in concepts.sets[key].related:
            if related in by_concept:
                pair = (min(index, by_concept[related]), max(index, by_concept[related]))
                detail = f"{concepts.sets[key].name} ↔ {concepts.sets[related].name}"
                found.setdefault(pair, Reason("related", gettext_noop("关联数据元"), detail, 0.5))
    # Explicit relations and context first: they explain a link better than the similar pair that found it.
    for a, b, reason in pairs:
        ca, cb = cluster_of_root.get(forest.find(a)), cluster_of_root.get(forest.find(b))
        if ca is not None and cb is not None and ca != cb:
            found.setdefault((min(ca, cb), max(ca, cb)), reason)
    return [ProposedLink(a, b, reason) for (a, b), reason in found.items()]
