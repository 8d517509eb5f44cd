"""Built-in code sets loaded by `manage.py seed_code_sets`.

GB/T 2261.1 人的性别代码 is complete. GB/T 2260 中华人民共和国行政区划代码 is PARTIAL on purpose: the 34
provincial-level divisions (台湾省, 香港, 澳门 included), 浙江省's 11 prefecture-level cities and 杭州市's
districts, counties and county-level city after the 2021 adjustment (上城/拱墅 merged, 临平/钱塘 new) —
only codes we are certain of. Load the full, current list published by the Ministry of Civil Affairs
with `manage.py import_code_set GB/T2260 regions.csv --name 行政区划代码` (CSV: code,name[,parent]).
"""

from dataclasses import dataclass

from .services.codesets import CodeRow


@dataclass(frozen=True)
class CodeSetSpec:
    code: str
    name: str
    standard: str
    description: str
    partial: bool
    rows: tuple[CodeRow, ...]


GENDER = CodeSetSpec(
    "GB/T2261.1",
    "人的性别代码",
    "GB/T 2261.1-2003",
    "",
    False,
    (CodeRow("0", "未知的性别"), CodeRow("1", "男性"), CodeRow("2", "女性"), CodeRow("9", "未说明的性别")),
)

PROVINCES = (
    ("110000", "北京市"),
    ("120000", "天津市"),
    ("130000", "河北省"),
    ("140000", "山西省"),
    ("150000", "内蒙古自治区"),
    ("210000", "辽宁省"),
    ("220000", "吉林省"),
    ("230000", "黑龙江省"),
    ("310000", "上海市"),
    ("320000", "江苏省"),
    ("330000", "浙江省"),
    ("340000", "安徽省"),
    ("350000", "福建省"),
    ("360000", "江西省"),
    ("370000", "山东省"),
    ("410000", "河南省"),
    ("420000", "湖北省"),
    ("430000", "湖南省"),
    ("440000", "广东省"),
    ("450000", "广西壮族自治区"),
    ("460000", "海南省"),
    ("500000", "重庆市"),
    ("510000", "四川省"),
    ("520000", "贵州省"),
    ("530000", "云南省"),
    ("540000", "西藏自治区"),
    ("610000", "陕西省"),
    ("620000", "甘肃省"),
    ("630000", "青海省"),
    ("640000", "宁夏回族自治区"),
    ("650000", "新疆维吾尔自治区"),
    ("710000", "台湾省"),
    ("810000", "香港特别行政区"),
    ("820000", "澳门特别行政区"),
)
ZHEJIANG_CITIES = (
    ("330100", "杭州市"),
    ("330200", "宁波市"),
    ("330300", "温州市"),
    ("330400", "嘉兴市"),
    ("330500", "湖州市"),
    ("330600", "绍兴市"),
    ("330700", "金华市"),
    ("330800", "衢州市"),
    ("330900", "舟山市"),
    ("331000", "台州市"),
    ("331100", "丽水市"),
)
HANGZHOU_COUNTIES = (
    ("330102", "上城区"),
    ("330105", "拱墅区"),
    ("330106", "西湖区"),
    ("330108", "滨江区"),
    ("330109", "萧山区"),
    ("330110", "余杭区"),
    ("330111", "富阳区"),
    ("330112", "临安区"),
    ("330113", "临平区"),
    ("330114", "钱塘区"),
    ("330122", "桐庐县"),
    ("330127", "淳安县"),
    ("330182", "建德市"),
)

REGIONS = CodeSetSpec(
    "GB/T2260",
    "中华人民共和国行政区划代码",
    "GB/T 2260",
    "部分收录：省级行政区、浙江省地级市、杭州市辖区县；完整列表请用 import_code_set 导入。",
    True,
    tuple(CodeRow(code, name) for code, name in PROVINCES)
    + tuple(CodeRow(code, name, "330000") for code, name in ZHEJIANG_CITIES)
    + tuple(CodeRow(code, name, "330100") for code, name in HANGZHOU_COUNTIES),
)

CODE_SETS = (GENDER, REGIONS)
