"""ICP discovery: what the closed deals share (dbt/models/discovery), turned into evidence RevOps
reads and a suggested rules file it may adopt, never applied by itself."""
