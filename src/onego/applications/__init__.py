"""One application, every channel (issue 12): the service the portal, the counter and the API adapt.

Above the cases (which keep the case engine) and the exchange (consent, prefill, provenance records),
below the channels. See docs/adr/0004-application-service.md.
"""
