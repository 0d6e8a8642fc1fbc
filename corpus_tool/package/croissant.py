"""`croissant.json`: MLCommons Croissant 1.0 metadata for the release's shards.

Each shard of each format is a `cr:FileObject` with its sha256; a `cr:FileSet`
per format gathers them by glob, and the described format's is the source of
the one RecordSet, whose fields carry the Croissant data types of the record
schema. Paths are relative to the release folder. `url` is the configured
homepage (left out without one), `datePublished` the release's timestamp,
`citeAs` the card's citation; `mlcroissant validate` finds nothing to warn about.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from corpus_tool.package.card import citation
from corpus_tool.package.fields import FIELDS
from corpus_tool.package.files import SPLIT, json_text
from corpus_tool.package.formats import FORMATS, described
from corpus_tool.package.manifest import ReleaseInfo

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"

# The standard Croissant 1.0 JSON-LD context, as the specification gives it.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _distribution(info: ReleaseInfo) -> list[dict[str, Any]]:
    """Every shard of every format as a FileObject, and a FileSet per format (the
    described format's is the record set's source; the others hold the same records)."""
    files: list[dict[str, Any]] = []
    for fmt in FORMATS:
        files += [
            {
                "@type": "cr:FileObject",
                "@id": f.path,
                "name": f.path,
                "contentUrl": f.path,
                "contentSize": f"{f.bytes} B",
                "encodingFormat": fmt.mime,
                "sha256": f.sha256,
            }
            for f in info.shards(fmt)
        ]
    for fmt in FORMATS:
        twin = "" if fmt is described() else f" (the records of the {described().label} shards)"
        files.append(
            {
                "@type": "cr:FileSet",
                "@id": f"{fmt.name}-files",
                "name": f"{fmt.name}-files",
                "description": f"The {fmt.label} shards of the {SPLIT} split{twin}.",
                "encodingFormat": fmt.mime,
                "includes": fmt.glob,
            }
        )
    return files


def croissant(info: ReleaseInfo) -> dict[str, Any]:
    fmt = described()
    fileset_id = f"{fmt.name}-files"
    files = _distribution(info)
    fields = []
    for spec in FIELDS:
        field: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{SPLIT}/{spec.name}",
            "name": spec.name,
            "description": spec.description,
            "dataType": spec.croissant_type,
        }
        if spec.kind == "strings":
            field["repeated"] = True
        field["source"] = {"fileSet": {"@id": fileset_id}, "extract": {"column": spec.name}}
        fields.append(field)
    cfg = info.config
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": info.name,
        "alternateName": info.pretty_name,
        "description": cfg.description or f"{info.pretty_name}: a text corpus.",
        "license": cfg.license_link if cfg.license == "other" and cfg.license_link else cfg.license,
        "version": info.version,
        "inLanguage": info.languages,
        "citeAs": citation(info),
    }
    if cfg.homepage:
        doc["url"] = cfg.homepage
    if info.timestamp is not None:
        when = dt.datetime.fromtimestamp(info.timestamp, dt.UTC)
        doc["datePublished"] = when.isoformat().replace("+00:00", "Z")
    if cfg.tags:
        doc["keywords"] = cfg.tags
    return doc | {
        "distribution": files,
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": SPLIT,
                "name": SPLIT,
                "description": f"The {info.counts.records} records of the {SPLIT} split.",
                "key": {"@id": f"{SPLIT}/id"},
                "field": fields,
            }
        ],
    }


def render_croissant(info: ReleaseInfo) -> str:
    return json_text(croissant(info))
