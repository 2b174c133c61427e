#!/usr/bin/env python3
"""Checks the contents of the packed .nupkg/.snupkg files: README, licence, repository, XML docs, symbols, SourceLink.

Usage: check-packages.py FOLDER VERSION PACKAGE_ID... (test-packages.sh passes the ids of the packable projects).
A package whose nuspec declares the DotnetTool package type is checked as a tool, any other as a library.
Prints one line per problem and exits 1 when there is any.
"""
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

LIBRARY_TFMS = ["net8.0", "net10.0"]
REPOSITORY = "https://github.com/mailsender/mailsender"

if len(sys.argv) < 4:
    sys.exit("usage: check-packages.py FOLDER VERSION PACKAGE_ID...")
folder, version, package_ids = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
problems = []
# A package in the folder that no packable project accounts for means the list of ids is wrong.
expected_files = {f"{package_id}.{version}.{ext}" for package_id in package_ids for ext in ("nupkg", "snupkg")}
problems += [f"{path.name}: not one of the packages passed ({', '.join(package_ids)})"
             for path in sorted(folder.glob("*nupkg")) if path.name not in expected_files]


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
        "is_tool": any(t.get("name") == "DotnetTool" for t in meta.findall("n:packageTypes/n:packageType", ns)),
    }


for package_id in package_ids:
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
        if meta["is_tool"]:
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
print(f"package check: {len(package_ids)} packages, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
