"""数据探矿: read a database's schema through its catalog, diff it, keep the registry current."""
