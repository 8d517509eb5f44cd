"""Built-in vocabulary of the 清洗比对 engine: seed synonym sets, representation terms, distinguishing terms.

The synonym sets are only the seed: the database copy (SynonymGroup) is what stewards edit and what a
run uses. Representation terms (表示词) and distinguishing terms (区分词) are generic rules, not lists of
test names: two names whose 表示词 differ (…日期 vs …电话) or which carry different terms of one
distinguishing set (户籍 vs 居住, 原 vs 现) are never merged by similarity alone.
"""

from .records import ConditionalTerm, SynonymSet

_ID_TYPE_VALUES = ("身份证", "居民身份证", "中华人民共和国居民身份证", "111", "01", "sfz")
_ID_TYPE_CONTEXT = {"证件类型": _ID_TYPE_VALUES, "证件类型代码": _ID_TYPE_VALUES, "id_type": _ID_TYPE_VALUES}

DEFAULT_SYNONYM_SETS: tuple[SynonymSet, ...] = (
    SynonymSet(
        "gmsfhm",
        "公民身份号码",
        (
            "公民身份号码",
            "身份证号码",
            "身份证号",
            "居民身份证号码",
            "居民身份证号",
            "身份证件号码",
            "id_card",
            "id_card_no",
            "id_no",
            "id_number",
            "idcard",
        ),
        conditional=(ConditionalTerm("证件号码", _ID_TYPE_CONTEXT),),
    ),
    SynonymSet(
        "tyshxydm",
        "统一社会信用代码",
        ("统一社会信用代码", "社会信用代码", "信用代码", "uscc", "credit_code", "unified_social_credit_code"),
        related=("zzjgdm", "yyzzzch", "nsrsbh"),
    ),
    SynonymSet("zzjgdm", "组织机构代码", ("组织机构代码", "机构代码", "org_code"), related=("tyshxydm",)),
    SynonymSet("yyzzzch", "营业执照注册号", ("营业执照注册号", "工商注册号", "reg_no"), related=("tyshxydm",)),
    SynonymSet("nsrsbh", "纳税人识别号", ("纳税人识别号", "税务登记号", "tax_no"), related=("tyshxydm",)),
    SynonymSet("qymc", "企业名称", ("企业名称", "单位名称", "公司名称", "company_name")),
    SynonymSet("fddbr", "法定代表人", ("法定代表人", "法人代表", "法定代表人姓名", "legal_representative")),
    SynonymSet("lxdh", "联系电话", ("联系电话", "电话号码", "telephone", "phone")),
    SynonymSet("clrq", "成立日期", ("成立日期", "注册日期", "设立日期", "establish_date"), related=("csrq",)),
    SynonymSet("csrq", "出生日期", ("出生日期", "出生年月日", "birth_date", "birthday", "date_of_birth")),
    SynonymSet("hjdz", "户籍地址", ("户籍地址", "户籍所在地", "户口所在地", "户籍住址"), related=("jzdz",)),
    SynonymSet("jzdz", "居住地址", ("居住地址", "现住址", "现居住地址", "居住地"), related=("hjdz",)),
    SynonymSet("xb", "性别", ("性别", "gender", "sex")),
    SynonymSet("xm", "姓名", ("姓名", "full_name")),
)

# Suffix spellings that mean the same representation (身份证号码 = 身份证号, 企业名称 = 企业名).
SUFFIX_CANON: tuple[tuple[str, str], ...] = (("号码", "号"), ("名称", "名"))

# 表示词 → class, longest first so 电话号码 is a phone, not a number.
REPRESENTATION_TERMS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "电话号码": "电话",
            "手机号码": "电话",
            "手机号": "电话",
            "电话": "电话",
            "手机": "电话",
            "传真": "电话",
            "号码": "号",
            "编号": "号",
            "号": "号",
            "代码": "代码",
            "编码": "代码",
            "代号": "代码",
            "名称": "名称",
            "名": "名称",
            "姓名": "名称",
            "日期": "日期",
            "时间": "日期",
            "年月日": "日期",
            "年月": "日期",
            "地址": "地址",
            "住址": "地址",
            "所在地": "地址",
            "地": "地址",
            "金额": "金额",
            "数量": "数量",
            "人数": "数量",
            "比例": "比例",
            "率": "比例",
            "标志": "标志",
            "标识": "标志",
            "类型": "类型",
            "类别": "类型",
            "状态": "状态",
            "说明": "描述",
            "描述": "描述",
            "备注": "描述",
            "人": "人",
            "代表": "人",
            "邮箱": "邮箱",
            "电子邮件": "邮箱",
            "邮编": "邮编",
            "邮政编码": "邮编",
        }.items(),
        key=lambda item: -len(item[0]),
    )
)

# Each set holds terms that tell concepts apart: names carrying different terms of one set stay apart.
DISTINGUISHING_SETS: tuple[frozenset[str], ...] = (
    frozenset({"户籍", "户口", "居住", "现住", "通讯", "通信", "经营", "办公", "注册", "出生", "工作", "收货", "发货"}),
    frozenset(
        {
            "出生",
            "成立",
            "死亡",
            "注销",
            "开始",
            "结束",
            "起始",
            "截止",
            "终止",
            "申请",
            "受理",
            "办结",
            "发证",
            "审批",
            "创建",
            "更新",
            "修改",
            "删除",
            "入职",
            "离职",
            "签订",
            "到期",
        }
    ),
    frozenset(
        {
            "父亲",
            "母亲",
            "配偶",
            "子女",
            "监护人",
            "代理人",
            "经办人",
            "申请人",
            "联系人",
            "法定代表人",
            "负责人",
            "股东",
        }
    ),
    frozenset({"原", "现", "新", "旧"}),
    frozenset({"最高", "最低", "最大", "最小", "平均"}),
    frozenset({"收入", "支出"}),
    frozenset({"省", "市", "区", "县", "乡", "镇", "街道", "村", "社区"}),
    frozenset({"身份证", "护照", "驾驶证", "营业执照", "组织机构", "纳税人", "社保", "医保", "军官证", "港澳"}),
    frozenset({"start", "end", "begin", "finish"}),
    frozenset({"create", "update", "modify", "delete"}),
    frozenset({"min", "max", "avg"}),
)

# Database and catalog types by family; a catalog code (C/N/Y/D/T/L/M/G/B/I/F) is a family member too.
TYPE_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "c",
            "m",
            "char",
            "varchar",
            "varchar2",
            "nvarchar",
            "nvarchar2",
            "nchar",
            "text",
            "string",
            "clob",
            "nclob",
            "longtext",
            "mediumtext",
            "tinytext",
            "str",
        ),
        "text",
    ),
    **dict.fromkeys(
        (
            "n",
            "y",
            "b",
            "i",
            "f",
            "int",
            "integer",
            "bigint",
            "smallint",
            "tinyint",
            "mediumint",
            "number",
            "numeric",
            "decimal",
            "float",
            "double",
            "real",
            "money",
            "int4",
            "int8",
            "float8",
            "serial",
            "bigserial",
        ),
        "number",
    ),
    **dict.fromkeys(
        ("d", "t", "date", "datetime", "timestamp", "time", "datetime2", "timestamptz", "smalldatetime"), "date"
    ),
    **dict.fromkeys(("l", "bool", "boolean", "bit"), "bool"),
    **dict.fromkeys(("g", "blob", "binary", "varbinary", "bytea", "image", "longblob", "raw"), "binary"),
}

# Families that may hold the same element: dates and numbers are often stored as text.
COMPATIBLE_FAMILIES: frozenset[frozenset[str]] = frozenset(
    {
        frozenset({"text", "number"}),
        frozenset({"text", "date"}),
        frozenset({"text", "bool"}),
        frozenset({"number", "bool"}),
    }
)
