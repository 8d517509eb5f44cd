"""The 数据通 app's URLs: one list per area (each module owns its paths and their names)."""

from django.urls import URLPattern

from . import assets, catalog, elements, probes

urlpatterns: list[URLPattern] = [
    *assets.urlpatterns,
    *probes.urlpatterns,
    *elements.urlpatterns,
    *catalog.urlpatterns,
]
