"""News and photo agencies: the one list the byline and the media-credit readers share.

A byline may name a wire agency or a staff desk (`By AFP`, `Staff Writer`); a
photo credit may name a wire agency or a picture agency (`(Getty Images)`).
"""

from __future__ import annotations

WIRE = frozenset({
    "AFP", "AP", "Reuters", "TASS", "Xinhua", "UPI", "DPA", "Bloomberg", "Sputnik", "Anadolu",
    "Associated Press", "Agence France-Presse",
})  # fmt: skip

# Who may stand alone as an author: wire agencies, news agencies that sell no
# pictures here, and staff desks.
BYLINE = WIRE | frozenset({
    "Interfax", "EFE", "ANSA", "RIA", "Staff", "Staff Reporter", "Staff Writer",
})  # fmt: skip

# Who may stand alone as a media credit: wire agencies and picture agencies.
CREDIT = WIRE | frozenset({
    "EPA", "EPA-EFE", "ANP", "Shutterstock", "Getty", "Getty Images", "AP Photo",
})  # fmt: skip
