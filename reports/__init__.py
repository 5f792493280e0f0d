"""Analysis and exports over plain data (DataFrames, rows): no Flask, no database."""
