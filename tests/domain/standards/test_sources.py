"""The field-source registry other apps use, so standards never imports them."""

import pytest

from domain.standards.cleansing import FieldRecord
from domain.standards.errors import UnknownFieldSource
from domain.standards.sources import (
    field_source,
    field_source_get,
    field_source_names,
    register_field_source,
    unregister_field_source,
)


def test_a_decorated_function_is_registered_under_its_name():
    """`@field_source("x")` registers the function and leaves it callable as before."""

    @field_source("test.items")
    def items():
        yield FieldRecord("test.items", 1, "姓名")

    try:
        assert "test.items" in field_source_names()
        assert [record.name for record in field_source_get("test.items")()] == ["姓名"]
        register_field_source("test.items", items)  # the same function again (a module re-import) is fine
        with pytest.raises(ValueError, match="already registered"):
            register_field_source("test.items", lambda: [])
    finally:
        unregister_field_source("test.items")
    with pytest.raises(UnknownFieldSource):
        field_source_get("test.items")
