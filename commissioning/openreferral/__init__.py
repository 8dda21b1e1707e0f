"""The Open Referral UK feed: the directory as a read-only public API (Open Referral UK profile 3.0).

- `ids`: stable UUID strings for every record the feed names
- `taxonomies`: the kinds of break, who takes the break and the needs levels, as taxonomies with stable ids
- `params`: the query parameters, checked (a bad one is a `BadParameter`, answered 400)
- `selectors`: the reads (published offers only; nothing personal), a fixed number of queries a page
- `representations`: records as the profile's objects, with live capacity in HSDS 3.1's `service_capacity` shape
- `openapi`: the OpenAPI document of this feed, derived from the profile's
- `views`, `urls`: plain JSON views, `Access-Control-Allow-Origin: *` on every response
"""
