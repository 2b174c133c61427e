#!/usr/bin/env python3
"""Regenerates src/MailSender/Smtp/Providers/providers.json from the research reference (smtp-providers.json).

Usage: generate-presets.py REFERENCE.json > src/MailSender/Smtp/Providers/providers.json

Rules (docs/providers.md): the recommended endpoint is kept with its verified flag; alternative endpoints,
regions, e-mail domains and limits are kept only when the reference marks them verified; limits only when
numeric. Nothing is invented: a value the reference lacks stays absent.
"""
import json
import re
import sys

OAUTH_REQUIRED = {"outlook"}
# Literal user names fixed by the provider (the reference's auth.username says so word for word).
FIXED_USER = {"sendgrid": "apikey", "sparkpost": "SMTP_Injection", "mailtrap": "api", "resend": "resend"}
PASSWORD_IS_USER = {"postmark"}
# Short names people type, beyond the reference's aliases (names only, no facts).
EXTRA_ALIASES = {"ses": ["amazon-ses"], "scaleway-tem": ["scaleway"], "microsoft365": ["m365"], "google-smtp-relay": ["google-relay"]}
LIMIT_KEYS = {
    "maxRecipientsPerMessage": "maxRecipientsPerMessage",
    "maxMessageSizeMB": "maxMessageSizeMB",
    "messagesPerConnection": "messagesPerConnection",
    "concurrentConnections": "maxConnections",
    "messagesPerSecond": "messagesPerSecond",
    "messagesPerMinute": "messagesPerMinute",
    "messagesPerDay": "messagesPerDay",
    "recipientsPerDay": "recipientsPerDay",
}
# MailSender's own advice when a provider refuses the credentials (not facts from the reference): the first entry whose
# reply code and enhanced status code match (absent = any) gives the hint. The SMTP code never names a provider.
GOOGLE_AUTH = [
    {"code": 534, "text": "Google wants an app password: turn on 2-Step Verification for the account, create a 16-character app password and use it instead of the account password (or use OAuth 2.0 with UseAccessTokenProvider)."},
    {"enhanced": "5.7.9", "text": "Google wants an app password: turn on 2-Step Verification for the account, create a 16-character app password and use it instead of the account password (or use OAuth 2.0 with UseAccessTokenProvider)."},
    {"text": "Google refused the user name or password: the user name is the full address, and the password must be a 16-character app password (2-Step Verification on), not the account password; or use OAuth 2.0 (UseAccessTokenProvider)."},
]
AUTH_HINTS = {
    "microsoft365": [
        {"enhanced": "5.7.139", "text": "Microsoft 365 has SMTP AUTH disabled for this tenant or mailbox (it is off when Security Defaults are on, and for tenants created after January 2020): enable Authenticated SMTP for the mailbox, or use OAuth 2.0 (UseAccessTokenProvider), since Microsoft is retiring basic authentication."},
        {"enhanced": "5.7.30", "text": "Microsoft 365 no longer accepts basic authentication (a password) for client submission in this tenant: use OAuth 2.0 (UseAccessTokenProvider, scope https://outlook.office365.com/SMTP.Send)."},
    ],
    "gmail": GOOGLE_AUTH,
    "google-workspace": GOOGLE_AUTH,
    "ses": [{"text": "Amazon SES needs SMTP credentials, not IAM access keys: create SMTP credentials in the SES console (or derive the SMTP password from the IAM secret key for this region). SMTP credentials are unique to each AWS Region: use the set created for this region."}],
    "sendgrid": [{"text": "SendGrid's SMTP user name must be the literal 'apikey' and the password an API key with at least 'Mail Send' permission."}],
    "postmark": [{"text": "Postmark takes the Server API Token as both user name and password."}],
}
# Where an OAuth 2.0 provider's tokens come from, named in the hint when the token service cannot be reached.
TOKEN_SERVICE = {
    "microsoft365": "The Microsoft identity platform (login.microsoftonline.com)",
    "outlook": "The Microsoft identity platform (login.microsoftonline.com)",
    "gmail": "Google's OAuth 2.0 token service (oauth2.googleapis.com)",
    "google-workspace": "Google's OAuth 2.0 token service (oauth2.googleapis.com)",
}
TIER_ORDER = {"official": 0, "dataset": 1, "secondary": 2, "code": 3}


def verified(field):
    return isinstance(field, dict) and field.get("status") == "verified"


REGION_IDS = {"legacy 1&1 (de)": "1und1", "de (gmx.net)": "de", "international (gmx.com)": "com", "163.com": "163", "126.com": "126", "yeah.net": "yeah"}


def region_id(text):
    return REGION_IDS.get(text) or re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def regions_of(p):
    out = []
    for r in p.get("regions") or []:
        host = r.get("host") or r.get("personalHost")
        if not verified(host) or not host.get("value"):
            continue
        entry = {"id": region_id(r["region"]), "host": host["value"]}
        if r.get("name"):
            entry["name"] = r["name"]
        if verified(r.get("domains")):
            entry["emailDomains"] = r["domains"]["value"]
        out.append(entry)
    return out


def main(path):
    reference = json.load(open(path, encoding="utf-8"))
    presets = []
    for p in reference["providers"]:
        rec = p["recommended"]["value"]
        auth = p.get("auth", {})
        text = " ".join(str(v.get("value")) for v in auth.values() if isinstance(v, dict)).lower()
        oauth = "required" if p["id"] in OAUTH_REQUIRED else ("supported" if "oauth" in text or "xoauth2" in text else "none")
        refs = p.get("sourceRefs", {})
        ordered = sorted(refs.items(), key=lambda kv: (TIER_ORDER.get(kv[1]["tier"], 9), not kv[0].lower().startswith(p["id"].split("-")[0][:4]), kv[0]))
        sources = [v["url"] for _, v in ordered if v["url"].startswith(("https://", "http://"))]
        domains = p["emailDomains"]["value"] if verified(p.get("emailDomains")) else []
        regions = regions_of(p)
        for r in regions:
            for d in r.get("emailDomains", []):
                if d not in domains:
                    domains.append(d)
        host = rec["host"]
        default_region = None
        if "<region>" in host:
            host = None  # a region must be chosen (Amazon SES)
        elif regions:
            match = [r for r in regions if r["host"] == host]
            if match:
                default_region = match[0]["id"]
            else:
                # The recommended host is a region of its own (kept with the entry's verified flag).
                default_region = region_id(next(r["region"] for r in p["regions"] if (r.get("host") or r.get("personalHost") or {}).get("value") == host))
                regions.insert(0, {"id": default_region, "host": host})
        endpoints = []
        for e in p.get("endpoints", []):
            if e.get("status") != "verified" or "<" in e["host"]:
                continue
            item = {"host": e["host"], "port": e["port"], "security": e["security"]}
            if item not in endpoints and (item["host"], item["port"]) != (rec["host"], rec["port"]):
                endpoints.append(item)
        limits = {}
        for key, value in (p.get("limits") or {}).items():
            if key in LIMIT_KEYS and verified(value) and isinstance(value["value"], int):
                limits[LIMIT_KEYS[key]] = value["value"]
        entry = {
            "id": p["id"],
            "name": p["displayName"],
            "aliases": [re.sub(r" \(.*\)$", "", a) for a in p.get("aliases", [])] + EXTRA_ALIASES.get(p["id"], []),
            "category": p.get("category"),
            "emailDomains": domains,
            "host": host,
            "hostPattern": p["hostPattern"]["value"] if "hostPattern" in p else None,
            "port": rec["port"],
            "security": rec["security"],
            "verified": p["recommended"]["status"] == "verified",
            "defaultRegion": default_region,
            "regions": regions,
            "endpoints": endpoints,
            "userName": FIXED_USER.get(p["id"]),
            "passwordIsUserName": p["id"] in PASSWORD_IS_USER,
            "userNameNote": auth.get("username", {}).get("value") if verified(auth.get("username")) else None,
            "passwordNote": auth.get("password", {}).get("value") if verified(auth.get("password")) else None,
            "oauth": oauth,
            "tokenService": TOKEN_SERVICE.get(p["id"]),
            "authHints": AUTH_HINTS.get(p["id"]),
            "limits": limits,
            "documentation": sources[0],
            "sources": sources,
        }
        presets.append({k: v for k, v in entry.items() if v not in (None, [], {})})
    json.dump({"source": "MailSender research reference smtp-providers.json (" + reference.get("generated", "") + ")", "providers": presets},
              sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
