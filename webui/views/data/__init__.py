"""数据通 pages: the asset registry and probes, data elements and 清洗比对, the resource catalog and share
requests. Each area is one module with its own `urlpatterns`; urls.py puts them under /data/."""
