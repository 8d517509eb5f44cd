"""Candidate pairs for similarity: each name is filed under its rarest n-grams and compared inside blocks only.

A pair counts as similar when its rapidfuzz ratio reaches the cutoff AND one name only adds characters to
the other (身份证号 ⊂ 身份证件号, 联系电话 ⊂ 联系人电话), unless the ratio is near identity: a substituted
character usually changes the meaning (受理 vs 管理, 父亲 vs 母亲), and in a pinyin abbreviation every
letter is a word (cldjr 车辆登记人 vs cldjrq 车辆登记日期), so short ASCII names are not compared at all.
"""

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

if TYPE_CHECKING:
    from .engine import EngineConfig
    from .variants import Variants


def _grams(text: str, cjk: bool) -> set[str]:
    size = 2 if cjk else 3
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def similar_pairs(variants: "Variants", config: "EngineConfig") -> tuple[list[tuple[float, int, int]], int]:
    """Pairs of variants (score, a, b) at or above the cutoff, and how many comparisons were made."""
    grams: dict[int, set[str]] = {}
    frequency: Counter[str] = Counter()
    for vid, text in enumerate(variants.core):
        if len(text) >= (config.min_fuzzy_length if variants.cjk[vid] else config.min_fuzzy_length_ascii):
            grams[vid] = _grams(text, variants.cjk[vid])
            frequency.update(grams[vid])
    blocks: dict[str, list[int]] = defaultdict(list)
    for vid, own in grams.items():
        shared = sorted((frequency[gram], gram) for gram in own if frequency[gram] > 1)
        for _count, gram in shared[: config.grams_per_name]:
            blocks[gram].append(vid)
    pairs: dict[tuple[int, int], float] = {}
    comparisons = 0
    for members in blocks.values():
        if len(members) < 2 or len(members) > config.max_block:
            continue
        comparisons += len(members) * (len(members) - 1) // 2
        _compare_block(members, variants, config, pairs)
    return [(score, a, b) for (a, b), score in pairs.items()], comparisons


def _compare_block(
    members: list[int], variants: "Variants", config: "EngineConfig", pairs: dict[tuple[int, int], float]
) -> None:
    texts = [variants.core[vid] for vid in members]
    for position in range(len(members) - 1):
        a = members[position]
        cutoff = config.fuzzy_cutoff_cjk if variants.cjk[a] else config.fuzzy_cutoff_ascii
        for _text, score, offset in process.extract(
            texts[position], texts[position + 1 :], scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        ):
            b = members[position + 1 + offset]
            if variants.cjk[a] != variants.cjk[b]:
                continue
            if score >= config.substitution_cutoff or _only_insertions(texts[position], _text):
                pairs[(min(a, b), max(a, b))] = score


def _only_insertions(a: str, b: str) -> bool:
    return Indel.distance(a, b) == abs(len(a) - len(b))
