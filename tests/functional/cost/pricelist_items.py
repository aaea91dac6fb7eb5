"""Price List `GetProducts` items shaped exactly as AWS returns them.

The shape is the real example in botocore's own `botocore/data/pricing/2017-10-15/examples-1.json`
(GetProducts output): each element of `PriceList` is a JSON *string* holding `product {productFamily,
attributes, sku}`, `serviceCode`, `terms.OnDemand["<SKU>.JRTCKXETXF"] {priceDimensions, sku, effectiveDate,
offerTermCode, termAttributes}`, `version` and `publicationDate`; each price dimension carries `unit`,
`endRange`, `description`, `appliesTo`, `rateCode`, `beginRange` and `pricePerUnit.USD` as strings with 10
decimals. SKUs, usage types and tier descriptions are the ones quoted in the reference (§1.1-1.3).
"""

from __future__ import annotations

import json
from typing import Any

OFFER = "JRTCKXETXF"
RATE_SUFFIXES = ("6YS6EN2CT7", "DHCY5MCS5Z", "3JDTK6S6NQ", "PGHJ3S3EYE")


def item(
    sku: str,
    service_code: str,
    product_family: str,
    attributes: dict[str, str],
    tiers: list[tuple[str, str, str]],
    *,
    unit: str,
    description: str,
    publication: str = "2026-10-01T18:22:01Z",
) -> str:
    """One PriceList element; `tiers` are (beginRange, endRange, USD per unit)."""
    dims: dict[str, Any] = {}
    for index, (begin, end, usd) in enumerate(tiers):
        rate = f"{sku}.{OFFER}.{RATE_SUFFIXES[index]}"
        dims[rate] = {
            "unit": unit,
            "endRange": end,
            "description": description,
            "appliesTo": [],
            "rateCode": rate,
            "beginRange": begin,
            "pricePerUnit": {"USD": f"{float(usd):.10f}"},
        }
    body = {
        "product": {
            "productFamily": product_family,
            "attributes": {"servicecode": service_code, **attributes},
            "sku": sku,
        },
        "serviceCode": service_code,
        "terms": {
            "OnDemand": {
                f"{sku}.{OFFER}": {
                    "priceDimensions": dims,
                    "sku": sku,
                    "effectiveDate": "2026-09-01T00:00:00Z",
                    "offerTermCode": OFFER,
                    "termAttributes": {},
                }
            }
        },
        "version": "20261001182201",
        "publicationDate": publication,
    }
    return json.dumps(body)


def apigw_attrs(region: str, location: str, usagetype: str, operation: str) -> dict[str, str]:
    return {
        "location": location,
        "locationType": "AWS Region",
        "regionCode": region,
        "usagetype": usagetype,
        "operation": operation,
        "servicename": "Amazon API Gateway",
    }
