#!/usr/bin/env python3
"""Checks the contents of the packed .nupkg/.snupkg files: README, licence, repository, XML docs, symbols, SourceLink.

Usage: check-packages.py FOLDER VERSION. Prints one line per problem and exits 1 when there is any.
"""
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

LIBRARIES = ["MailSender", "MailSender.Testing", "MailSender.AspNetCore.Identity"]
TOOL = "MailSender.Cli"
LIBRARY_TFMS = ["net8.0", "net10.0"]
REPOSITORY = "https://github.com/mailsender/mailsender"

folder, version = Path(sys.argv[1]), sys.argv[2]
problems = []


def nuspec(z: zipfile.ZipFile, package_id: str) -> dict:
    root = ET.fromstring(z.read(f"{package_id}.nuspec"))
    ns = {"n": root.tag.split("}")[0].strip("{")}
    meta = root.find("n:metadata", ns)
    license = meta.find("n:license", ns)
    repository = meta.find("n:repository", ns)
    return {
        "readme": meta.findtext("n:readme", default="", namespaces=ns),
        "license": (license.get("type"), license.text) if license is not None else None,
        "repository": repository.get("url") if repository is not None else None,
        "commit": repository.get("commit") if repository is not None else None,
    }


for package_id in LIBRARIES + [TOOL]:
    nupkg = folder / f"{package_id}.{version}.nupkg"
    snupkg = folder / f"{package_id}.{version}.snupkg"
    if not nupkg.exists():
        problems.append(f"{nupkg.name}: missing")
        continue
    with zipfile.ZipFile(nupkg) as z:
        names = set(z.namelist())
        meta = nuspec(z, package_id)
        if meta["readme"] != "README.md" or "README.md" not in names:
            problems.append(f"{nupkg.name}: no package README")
        if meta["license"] != ("expression", "MIT"):
            problems.append(f"{nupkg.name}: licence is {meta['license']}, expected the MIT expression")
        if meta["repository"] != REPOSITORY or not meta["commit"]:
            problems.append(f"{nupkg.name}: repository url/commit missing ({meta['repository']}, {meta['commit']})")
        if package_id == TOOL:
            expected = ["tools/net10.0/any/DotnetToolSettings.xml", f"tools/net10.0/any/{package_id}.dll", f"tools/net10.0/any/{package_id}.xml"]
        else:
            expected = [f"lib/{tfm}/{package_id}{ext}" for tfm in LIBRARY_TFMS for ext in (".dll", ".xml")]
        problems += [f"{nupkg.name}: no {name}" for name in expected if name not in names]
    if not snupkg.exists():
        problems.append(f"{snupkg.name}: missing")
        continue
    with zipfile.ZipFile(snupkg) as z:
        pdbs = [n for n in z.namelist() if n.endswith(f"/{package_id}.pdb")]
        if not pdbs:
            problems.append(f"{snupkg.name}: no {package_id}.pdb")
        for pdb in pdbs:
            # A portable PDB keeps the SourceLink map as plain JSON.
            if b"raw.githubusercontent.com/mailsender/mailsender/" not in z.read(pdb):
                problems.append(f"{snupkg.name}: {pdb} has no SourceLink map")

for problem in problems:
    print(f"package check: {problem}")
print(f"package check: {len(LIBRARIES) + 1} packages, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
