"""Union-find over variants that refuses to join two different known concepts or disjoint 区分词.

The guards are checked between whole sets, not only the two names of an edge: otherwise 原法定代表人
and 现法定代表人 could meet through 法定代表人 one similar name at a time.
"""

from .normalise import terms_conflict
from .records import Reason

Terms = tuple[frozenset[str], ...]


class ConceptUnionFind:
    def __init__(self, concepts: list[str | None], terms: list[Terms]) -> None:
        self.parent = list(range(len(concepts)))
        self.concept = list(concepts)  # meaningful at roots only
        self.terms = list(terms)  # per root: the distinguishing terms its names carry, per set
        self.edges: list[tuple[int, int, Reason]] = []
        self.joined_by: dict[int, Reason] = {}  # variant → the reason of the edge that brought it in

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int, reason: Reason, *, synonym: bool = False) -> bool:
        """Join the sets of a and b; False (nothing changes) when they hold different concepts or, unless the
        edge comes from a synonym list (which may join 成立日期 and 注册日期), disjoint distinguishing terms."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ca, cb = self.concept[ra], self.concept[rb]
        if ca is not None and cb is not None and ca != cb:
            return False
        if not synonym and terms_conflict(self.terms[ra], self.terms[rb]):
            return False
        self.parent[rb] = ra
        self.concept[ra] = ca if ca is not None else cb
        self.terms[ra] = tuple(x | y for x, y in zip(self.terms[ra], self.terms[rb], strict=True))
        self.edges.append((a, b, reason))
        if b not in self.joined_by:
            self.joined_by[b] = reason
        elif a not in self.joined_by:
            self.joined_by[a] = reason
        return True
