"""Value domains: the built-in seed (idempotent) and the CSV importer."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from domain.standards.models import CodeSet, CodeValue
from domain.standards.selectors import code_values

pytestmark = pytest.mark.django_db


def test_seed_loads_gender_complete_and_regions_partial():
    """GB/T 2261.1 has its four codes; GB/T 2260 holds the 34 provinces, Zhejiang's cities, Hangzhou's districts."""
    call_command("seed_code_sets", stdout=StringIO())
    gender = {value.code: value.name for value in code_values(code_set="GB/T2261.1")}
    assert gender == {"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"}
    regions = CodeSet.objects.get(code="GB/T2260")
    assert regions.partial
    provinces = regions.values.filter(parent=None)
    assert provinces.count() == 34
    assert {"710000", "810000", "820000"} <= set(provinces.values_list("code", flat=True))
    assert regions.values.filter(parent__code="330000").count() == 11
    assert regions.values.get(code="330106").parent.code == "330100"


def test_seed_twice_changes_nothing():
    """The second run creates and updates nothing."""
    call_command("seed_code_sets", stdout=StringIO())
    before = list(CodeValue.objects.order_by("pk").values_list("pk", "code", "name", "parent_id"))
    out = StringIO()
    call_command("seed_code_sets", stdout=out)
    assert list(CodeValue.objects.order_by("pk").values_list("pk", "code", "name", "parent_id")) == before
    assert "0 created, 0 updated" in out.getvalue()


def test_import_from_csv_adds_to_the_partial_list_with_parents(tmp_path):
    """A CSV of code,name,parent adds values under existing ones; a header row is skipped; re-import is a no-op."""
    call_command("seed_code_sets", stdout=StringIO())
    csv_file = tmp_path / "ningbo.csv"
    csv_file.write_text("code,name,parent\n330203,海曙区,330200\n330206,北仑区,330200\n", encoding="utf-8")
    call_command("import_code_set", "GB/T2260", str(csv_file), stdout=StringIO())
    assert CodeValue.objects.get(code_set__code="GB/T2260", code="330206").parent.name == "宁波市"
    out = StringIO()
    call_command("import_code_set", "GB/T2260", str(csv_file), stdout=out)
    assert out.getvalue().startswith("0 created, 0 updated, 2 unchanged")


def test_a_bad_row_stops_the_import_with_its_row_number(tmp_path):
    """An unknown parent is reported by row and nothing of the file is written."""
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("01,甲\n02,乙,99\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行 parent"):
        call_command("import_code_set", "TEST", str(csv_file), "--name", "测试", stdout=StringIO())
    assert not CodeValue.objects.filter(code_set__code="TEST").exists()
