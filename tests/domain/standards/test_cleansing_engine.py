"""清洗比对 engine (pure Python): the DOMAIN.md test data, the reasons given, and the must-not-merge rules."""

from domain.standards.cleansing import ConditionalTerm, FieldRecord, SynonymSet, cluster_fields

ID_TYPE = {"证件类型": "身份证"}

# DOMAIN.md, 清洗比对 test data: each group must become exactly one cluster.
MERGE_GROUPS = [
    ["身份证号", "身份证号码", "居民身份证号码", "证件号码", "sfzh", "sfzhm", "zjhm", "GMSFHM", "id_card"],
    ["统一社会信用代码", "社会信用代码", "信用代码", "tyshxydm", "uscc"],
    ["企业名称", "单位名称", "qymc"],
    ["法定代表人", "法人代表"],
    ["联系电话", "lxdh"],
    ["成立日期", "注册日期", "clrq"],
]
MUST_NOT_MERGE = ["组织机构代码", "营业执照注册号", "纳税人识别号", "出生日期"]
TYPES = {"成立日期": "date", "注册日期": "date", "clrq": "varchar", "出生日期": "date"}


def _estate() -> list[FieldRecord]:
    """Every name in three tables; 证件号码/zjhm only in tables whose 证件类型 column says 身份证."""
    names = [name for group in MERGE_GROUPS for name in group] + MUST_NOT_MERGE + ["户籍地址", "居住地址"]
    records = []
    for _table in range(3):
        for name in names:
            context = ID_TYPE if name in ("证件号码", "zjhm") else None
            records.append(FieldRecord("test.column", len(records), name, "", TYPES.get(name, "varchar"), 50, context))
    return records


def _clusters_of(records: list[FieldRecord], cluster_of: list[int], name: str) -> set[int]:
    return {cluster_of[i] for i, record in enumerate(records) if record.name == name}


def test_domain_md_groups_each_become_one_cluster_and_stay_apart():
    """Each DOMAIN.md merge group lands in one cluster of its own; no two groups share a cluster."""
    records = _estate()
    result = cluster_fields(records)
    group_cluster = []
    for group in MERGE_GROUPS:
        clusters = set().union(*(_clusters_of(records, result.cluster_of, name) for name in group))
        assert len(clusters) == 1 and -1 not in clusters, (group, clusters)
        group_cluster.append(clusters.pop())
        members = {records[i].name for i in result.clusters[group_cluster[-1]].members}
        assert members == set(group), f"{group[0]} cluster also holds {members - set(group)}"
    assert len(set(group_cluster)) == len(MERGE_GROUPS)


def test_must_not_merge_names_stay_out_of_the_groups_and_are_linked_instead():
    """组织机构代码, 营业执照注册号, 纳税人识别号, 出生日期 never join the ID/credit-code/establishment-date
    clusters, 户籍地址 and 居住地址 never join each other; the related ones are linked for the steward."""
    records = _estate()
    result = cluster_fields(records)
    by_name = {name: _clusters_of(records, result.cluster_of, name) for name in {r.name for r in records}}
    protected = by_name["身份证号"] | by_name["统一社会信用代码"] | by_name["成立日期"]
    for name in MUST_NOT_MERGE:
        assert not by_name[name] & protected, name
        assert len(by_name[name]) == 1
    assert not by_name["户籍地址"] & by_name["居住地址"]
    linked = {
        frozenset({result.clusters[link.a].suggested_name, result.clusters[link.b].suggested_name})
        for link in result.links
    }
    assert frozenset({"户籍地址", "居住地址"}) in linked
    assert frozenset({"统一社会信用代码", "组织机构代码"}) in linked


def test_document_number_joins_the_id_number_only_when_its_context_says_id_card():
    """证件号码 beside a 证件类型 of 身份证 is the 公民身份号码; without that context (or with 护照) it stays
    apart, linked with the reason that the context does not match."""
    records = [
        FieldRecord("t", 1, "身份证号码"),
        FieldRecord("t", 2, "身份证号"),
        FieldRecord("t", 3, "证件号码", context={"证件类型": "居民身份证"}),
        FieldRecord("t", 4, "证件号码", context={"证件类型": "护照"}),
        FieldRecord("t", 5, "证件号码"),
    ]
    result = cluster_fields(records)
    assert result.cluster_of[2] == result.cluster_of[0] != -1
    assert result.cluster_of[3] == result.cluster_of[4] != result.cluster_of[0]
    cluster = result.clusters[result.cluster_of[2]]
    assert any(r.code == "context" and "证件类型=居民身份证" in r.text for r in cluster.reasons)
    assert [link.reason.code for link in result.links] == ["context_missing"]


def test_each_kind_of_evidence_is_given_as_a_reason():
    """Pinyin initials, synonym lists and fuzzy similarity each say why, in Chinese with an English code."""
    records = [
        FieldRecord("t", 1, "项目名称"),
        FieldRecord("t", 2, "xmmc"),
        FieldRecord("t", 3, "法定代表人"),
        FieldRecord("t", 4, "法人代表"),
        FieldRecord("t", 5, "企业经营范围"),
        FieldRecord("t", 6, "企业的经营范围"),
    ]
    result = cluster_fields(records)
    texts = {r.code: r.text for cluster in result.clusters for r in cluster.reasons}
    assert texts["pinyin_initials"] == "拼音首字母相同 xmmc = 项目名称"
    assert texts["synonym"] == "同义词表 法定代表人: 法人代表"
    assert texts["fuzzy"].startswith("名称相似 ")
    assert len(result.clusters) == 3
    assert all(0 < cluster.confidence <= 1 for cluster in result.clusters)
    member_reason = result.clusters[result.cluster_of[1]].member_reasons[1]
    assert member_reason.code == "pinyin_initials"


def test_normalisation_folds_width_case_punctuation_numbering_and_suffixes():
    """Full-width letters, case, punctuation, 号码/号, 名称/名 and trailing numbers do not make names differ."""
    records = [
        FieldRecord("t", i, name) for i, name in enumerate(["ＩＤ＿Card", "id-card", "联系地址1", "联系地址（2）"])
    ]
    result = cluster_fields(records)
    assert result.cluster_of[0] == result.cluster_of[1] != -1
    assert result.cluster_of[2] == result.cluster_of[3] != -1
    assert result.cluster_of[0] != result.cluster_of[2]


def test_blank_names_are_not_a_cluster():
    """Names with nothing left after normalisation (blank, punctuation) are not proposed together."""
    records = [FieldRecord("t", 1, ""), FieldRecord("t", 2, "  "), FieldRecord("t", 3, "——")]
    result = cluster_fields(records)
    assert result.cluster_of == [-1, -1, -1] and result.fields_scanned == 3


def test_similar_names_with_differing_distinguishing_terms_are_kept_apart_even_through_a_chain():
    """原/现 法定代表人姓名 are each similar to 法定代表人姓名 but never end up together; nor do names whose
    表示词 differ (…日期 vs …时间 is one class, …人 vs …电话 is not)."""
    names = [
        "申请人联系电话",
        "申请人联系人",
        "原项目负责人姓名",
        "现项目负责人姓名",
        "项目负责人姓名",
    ] * 2  # two tables
    records = [FieldRecord("t", i, name) for i, name in enumerate(names)]
    result = cluster_fields(records, synonym_sets=())
    assert result.cluster_of[0] != result.cluster_of[1]
    assert result.cluster_of[2] != result.cluster_of[3]
    assert result.cluster_of[4] in (result.cluster_of[2], result.cluster_of[3])  # joined one of them
    reasons = [link.reason.text for link in result.links]
    assert "区分词不同 原/现" in reasons or "区分词不同 现/原" in reasons


def test_a_substituted_character_is_not_similarity():
    """公积金受理结果 and 公积金管理结果 are 86 % alike but a different word: no merge."""
    records = [FieldRecord("t", 1, "公积金受理结果"), FieldRecord("t", 2, "公积金管理结果")]
    assert cluster_fields(records, synonym_sets=()).cluster_of == [-1, -1]


def test_ambiguous_pinyin_initials_do_not_merge():
    """clrq spells 成立日期 and 处理日期 equally often: without a synonym list it joins neither."""
    records = [FieldRecord("t", 1, "成立日期"), FieldRecord("t", 2, "处理日期"), FieldRecord("t", 3, "clrq")]
    assert cluster_fields(records, synonym_sets=()).cluster_of == [-1, -1, -1]
    records.append(FieldRecord("t", 4, "成立日期"))
    records.append(FieldRecord("t", 5, "成立日期"))
    records.append(FieldRecord("t", 6, "成立日期"))
    result = cluster_fields(records, synonym_sets=())  # now clearly dominant
    assert result.cluster_of[2] == result.cluster_of[0] != result.cluster_of[1]


def test_incompatible_types_block_a_pinyin_merge_and_mixed_types_lower_confidence():
    """A number column cannot be the same element as a date; text vs date merges but says so."""
    records = [
        FieldRecord("t", 1, "项目开工日期", data_type="date"),
        FieldRecord("t", 2, "xmkgrq", data_type="int"),
        FieldRecord("t", 3, "项目竣工日期", data_type="date"),
        FieldRecord("t", 4, "xmjgrq", data_type="varchar(8)"),
    ]
    result = cluster_fields(records, synonym_sets=())
    assert result.cluster_of[1] == -1
    cluster = result.clusters[result.cluster_of[3]]
    assert result.cluster_of[2] == result.cluster_of[3]
    assert any(r.code == "type_mismatch" for r in cluster.reasons) and cluster.confidence < 0.85


def test_custom_synonym_sets_and_conditions_come_from_the_caller():
    """The engine uses the sets it is given (the database's, in production), including conditional terms."""
    sets = [
        SynonymSet("cph", "车牌号码", ("车牌号码", "号牌号码"), (ConditionalTerm("号码", {"号码类型": ("车牌",)}),))
    ]
    records = [
        FieldRecord("t", 1, "车牌号码"),
        FieldRecord("t", 2, "号牌号码"),
        FieldRecord("t", 3, "号码", context={"号码类型": "车牌"}),
    ]
    result = cluster_fields(records, synonym_sets=sets)
    assert len(set(result.cluster_of)) == 1 and result.clusters[0].suggested_name == "车牌号码"


def test_an_ascii_column_is_read_by_its_chinese_comment():
    """A probed column `cert_no` commented "身份证号码（18位）" is the ID number; the comment is the reason."""
    records = [
        FieldRecord("t", 1, "身份证号"),
        FieldRecord("t", 2, "cert_no", comment="身份证号码（18位）"),
        FieldRecord("t", 3, "cert_no", comment="证书编号"),
    ]
    result = cluster_fields(records)
    assert result.cluster_of[1] == result.cluster_of[0] != -1
    assert result.cluster_of[2] == -1
    cluster = result.clusters[result.cluster_of[1]]
    assert cluster.member_reasons[1].text == "字段注释 cert_no = 身份证号码"
    assert "字段注释 cert_no = 身份证号码" in [reason.text for reason in cluster.reasons]


def test_lengths_far_apart_block_a_similarity_or_pinyin_merge_but_not_a_synonym():
    """企业经营范围 (2000) and 企业的经营范围 (20) are alike by name only: no merge; at 2000 and 1000 they
    merge. xmmc (10) does not read as 项目名称 (200). 法定代表人 (50) and 法人代表 (300) are listed synonyms:
    they still merge, and the cluster says the lengths differ."""
    far = [FieldRecord("t", 1, "企业经营范围", length=2000), FieldRecord("t", 2, "企业的经营范围", length=20)]
    assert cluster_fields(far, synonym_sets=()).cluster_of == [-1, -1]
    near = [FieldRecord("t", 1, "企业经营范围", length=2000), FieldRecord("t", 2, "企业的经营范围", length=1000)]
    assert cluster_fields(near, synonym_sets=()).cluster_of == [0, 0]
    spelled = [FieldRecord("t", 1, "项目名称", length=200), FieldRecord("t", 2, "xmmc", length=10)]
    assert cluster_fields(spelled, synonym_sets=()).cluster_of == [-1, -1]
    unknown = [FieldRecord("t", 1, "项目名称", length=200), FieldRecord("t", 2, "xmmc")]
    assert cluster_fields(unknown, synonym_sets=()).cluster_of == [0, 0], "an unknown length does not refuse"

    synonyms = [FieldRecord("t", 1, "法定代表人", length=50), FieldRecord("t", 2, "法人代表", length=300)]
    result = cluster_fields(synonyms)
    assert result.cluster_of == [0, 0]
    texts = [reason.text for reason in result.clusters[0].reasons]
    assert "数据长度相差悬殊 50–300" in texts and result.clusters[0].confidence < 0.85
