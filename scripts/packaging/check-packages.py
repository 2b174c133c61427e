#!/usr/bin/env python3
"""Checks the contents of the packed .nupkg/.snupkg files: README, licence, repository, XML docs, symbols, addresses.

Usage: check-packages.py FOLDER VERSION PACKAGE_ID... (test-packages.sh passes the ids of the packable projects).
A package whose nuspec declares the DotnetTool package type is checked as a tool, any other as a library.
A library must target exactly net8.0 and net10.0 and declare its dependencies per framework: each framework's group
depends on other MailSender packages at this very version, and on no Microsoft.Extensions, Microsoft.AspNetCore or
Microsoft.Data package of a later major version than its framework (an ASP.NET Core 8 application keeps its 8.0 line).
The packages a console application or a worker uses (PLAIN_LIBRARIES: the core and the templates, Razor included) must
not need the ASP.NET Core shared framework.
The repository is not public yet, so no package may name a project or repository URL: the nuspec's only address is the
licence's, its repository element carries the commit alone, and neither the nuspec, the package README nor a PDB holds
the old placeholder address, a file: URL or a path of this machine's clone.
Prints one line per problem and exits 1 when there is any.
"""
import os
import re
import struct
import sys
import uuid
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

LIBRARY_TFMS = ["net8.0", "net10.0"]
# Packages for console applications and workers: no FrameworkReference to Microsoft.AspNetCore.App (MailSender.Templates.Razor
# renders with the Microsoft.AspNetCore.Components.Web package instead).
PLAIN_LIBRARIES = {"MailSender", "MailSender.Testing", "MailSender.Outbox", "MailSender.Templates", "MailSender.Templates.Razor"}
# Dependencies that follow the target framework's major version (Directory.Packages.props).
VERSIONED_WITH_FRAMEWORK = ("Microsoft.Extensions.", "Microsoft.AspNetCore.", "Microsoft.Data.")
# Addresses a nuspec may name (besides its XML namespace): the licence's, which NuGet writes itself for an expression.
ALLOWED_URLS = {"https://licenses.nuget.org/MIT"}
# The old placeholder repository, as an address (github.com/...) and in a SourceLink map (raw.githubusercontent.com/...).
PLACEHOLDER = "/mailsender/mailsender"
# Where the packages were built from: none of it may leak into a package's metadata (PublishRepositoryUrl would put a
# local clone's origin there, a path or a file: URL).
CLONE = os.getcwd()

EMBEDDED_SOURCE = uuid.UUID("0E8A571B-6926-466E-B4AD-8AB04611F5FE").bytes_le
# HasCustomDebugInformation: the tables a CustomDebugInformation row's parent may be in, by tag (ECMA-335 + Portable PDB).
HAS_CDI = [0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0A, 0x00, 0x0E, 0x17, 0x14, 0x11, 0x1A, 0x1B, 0x20, 0x23, 0x26, 0x27,
           0x28, 0x2A, 0x2C, 0x2B, 0x30, 0x32, 0x33, 0x34, 0x35]


def embedded_sources(data: bytes) -> tuple[int, int]:
    """Returns (documents, documents whose source is embedded) of a portable PDB."""
    if data[:4] != b"BSJB":
        raise ValueError("not a portable PDB")
    version_length = struct.unpack_from("<I", data, 12)[0]
    pos = 16 + version_length + 2
    stream_count = struct.unpack_from("<H", data, pos)[0]
    pos += 2
    streams = {}
    for _ in range(stream_count):
        offset, size = struct.unpack_from("<II", data, pos)
        pos += 8
        end = data.index(b"\0", pos)
        streams[data[pos:end].decode()] = (offset, size)
        pos = (end + 4) & ~3
    rows = [0] * 64
    pdb_offset = streams["#Pdb"][0]
    referenced = struct.unpack_from("<Q", data, pdb_offset + 24)[0]
    pos = pdb_offset + 32
    for table in range(64):
        if referenced >> table & 1:
            rows[table] = struct.unpack_from("<I", data, pos)[0]
            pos += 4
    tables = streams["#~"][0]
    heap_sizes = data[tables + 6]
    valid = struct.unpack_from("<Q", data, tables + 8)[0]
    pos = tables + 24
    for table in range(64):
        if valid >> table & 1:
            rows[table] = struct.unpack_from("<I", data, pos)[0]
            pos += 4
    string, guid, blob = (4 if heap_sizes & bit else 2 for bit in (1, 2, 4))
    index = lambda table: 2 if rows[table] < 1 << 16 else 4
    coded = 2 if max(rows[t] for t in HAS_CDI) < 1 << 11 else 4
    # Row sizes of the Portable PDB tables that precede CustomDebugInformation (0x37) in the #~ stream.
    sizes = {
        0x30: blob + guid + blob + guid,                                   # Document
        0x31: index(0x30) + blob,                                          # MethodDebugInformation
        0x32: index(0x06) + index(0x35) + index(0x33) + index(0x34) + 8,   # LocalScope
        0x33: 4 + string,                                                  # LocalVariable
        0x34: string + blob,                                               # LocalConstant
        0x35: index(0x35) + blob,                                          # ImportScope
        0x36: index(0x06) * 2,                                             # StateMachineMethod
    }
    if valid & ((1 << 0x30) - 1):
        raise ValueError("type-system tables in a portable PDB")
    pos += sum(rows[t] * size for t, size in sizes.items())
    guid_heap = streams["#GUID"][0]
    embedded = 0
    for _ in range(rows[0x37]):
        parent = int.from_bytes(data[pos:pos + coded], "little")
        kind = int.from_bytes(data[pos + coded:pos + coded + guid], "little")
        pos += coded + guid + blob
        if parent & 31 == HAS_CDI.index(0x30) and kind and data[guid_heap + 16 * (kind - 1):guid_heap + 16 * kind] == EMBEDDED_SOURCE:
            embedded += 1
    return rows[0x30], embedded


if len(sys.argv) < 4:
    sys.exit("usage: check-packages.py FOLDER VERSION PACKAGE_ID...")
folder, version, package_ids = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
problems = []


def nuspec(z: zipfile.ZipFile, package_id: str) -> dict:
    root = ET.fromstring(z.read(f"{package_id}.nuspec"))
    ns = {"n": root.tag.split("}")[0].strip("{")}
    meta = root.find("n:metadata", ns)
    license = meta.find("n:license", ns)
    repository = meta.find("n:repository", ns)
    types = {t.get("name") for t in meta.findall("n:packageTypes/n:packageType", ns)}
    groups = {g.get("targetFramework", ""): [(d.get("id"), d.get("version")) for d in g.findall("n:dependency", ns)]
              for g in meta.findall("n:dependencies/n:group", ns)}
    frameworks = {f.get("name") for f in meta.findall("n:frameworkReferences/n:group/n:frameworkReference", ns)}
    return {
        "dependencies": groups,
        "framework_references": frameworks,
        "readme": meta.findtext("n:readme", default="", namespaces=ns),
        "license": (license.get("type"), license.text) if license is not None else None,
        "text": z.read(f"{package_id}.nuspec").decode("utf-8-sig"),
        "repository": repository.get("url") if repository is not None else None,
        "commit": repository.get("commit") if repository is not None else None,
        "is_tool": "DotnetTool" in types,
        "is_rid_tool": "DotnetToolRidPackage" in types,
    }


def rid_packages(z: zipfile.ZipFile) -> dict:
    """The RID-specific packages a tool's pointer package names (.NET 10 tools): {rid: package id}."""
    settings = [n for n in z.namelist() if n.endswith("/DotnetToolSettings.xml")]
    if not settings:
        return {}
    root = ET.fromstring(z.read(settings[0]))
    return {e.get("RuntimeIdentifier"): e.get("Id") for e in root.iter("RuntimeIdentifierPackage")}


def check_pdbs(name: str, z: zipfile.ZipFile, pdbs: list) -> None:
    for pdb in pdbs:
        # A portable PDB keeps a SourceLink map as plain JSON: there must be none to the placeholder or a file.
        data = z.read(pdb)
        problems.extend(f"{name}: {pdb} contains {bad.decode()!r}" for bad in (PLACEHOLDER.encode(), b"file://") if bad in data)
        # With no public repository to fetch sources from, a debugger gets them from the PDB (EmbedAllSources).
        try:
            documents, embedded = embedded_sources(data)
            if documents == 0 or embedded != documents:
                problems.append(f"{name}: {pdb} embeds the source of {embedded} of its {documents} documents")
        except (ValueError, KeyError, IndexError, struct.error) as error:
            problems.append(f"{name}: {pdb} could not be read as a portable PDB ({error})")


def check_metadata(name: str, z: zipfile.ZipFile, meta: dict) -> None:
    names = set(z.namelist())
    if meta["readme"] != "README.md" or "README.md" not in names:
        problems.append(f"{name}: no package README")
    if meta["license"] != ("expression", "MIT"):
        problems.append(f"{name}: licence is {meta['license']}, expected the MIT expression")
    if meta["repository"] is not None or not meta["commit"]:
        problems.append(f"{name}: the repository element must carry the commit and no url ({meta['repository']}, {meta['commit']})")
    urls = set(re.findall(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+", re.sub(r'xmlns="[^"]*"', "", meta["text"])))
    problems.extend(f"{name}: the nuspec names {url} (only the licence's address is expected)" for url in sorted(urls - ALLOWED_URLS))
    readme = z.read("README.md").decode("utf-8-sig") if "README.md" in names else ""
    for part, text in (("nuspec", meta["text"]), ("README.md", readme)):
        problems.extend(f"{name}: its {part} contains {bad!r}" for bad in (PLACEHOLDER, "file://", CLONE + "/") if bad in text)
    if not re.search(r"docs/[a-z-]+[.]md", readme):
        problems.append(f"{name}: its README names no documentation page (docs/*.md)")


def check_dependencies(name: str, package_id: str, meta: dict) -> None:
    """A library's dependency groups: one per target framework, its own packages at this version, no newer framework line."""
    groups = meta["dependencies"]
    if sorted(groups) != sorted(LIBRARY_TFMS):
        problems.append(f"{name}: dependency groups for {sorted(groups)}, expected one for each of {LIBRARY_TFMS}")
    for tfm, dependencies in groups.items():
        major = int(re.match(r"net(\d+)", tfm).group(1)) if re.match(r"net\d+", tfm) else None
        for dependency, dependency_version in dependencies:
            if dependency == "MailSender" or dependency.startswith("MailSender."):
                if dependency_version.strip("[]") != version:
                    problems.append(f"{name}: {tfm} depends on {dependency} {dependency_version}, not on this version {version}")
            elif major is not None and dependency.startswith(VERSIONED_WITH_FRAMEWORK):
                dependency_major = int(re.match(r"[\[(]?(\d+)", dependency_version).group(1))
                if dependency_major > major:
                    problems.append(f"{name}: {tfm} depends on {dependency} {dependency_version}, a later line than {tfm}")
    if package_id in PLAIN_LIBRARIES and meta["framework_references"]:
        problems.append(f"{name}: needs the shared framework(s) {sorted(meta['framework_references'])}; console apps and workers use it")


accounted = set()
for package_id in package_ids:
    nupkg = folder / f"{package_id}.{version}.nupkg"
    snupkg = folder / f"{package_id}.{version}.snupkg"
    accounted.add(nupkg.name)
    if not nupkg.exists():
        problems.append(f"{nupkg.name}: missing")
        continue
    with zipfile.ZipFile(nupkg) as z:
        meta = nuspec(z, package_id)
        check_metadata(nupkg.name, z, meta)
        names = set(z.namelist())
        rids = rid_packages(z) if meta["is_tool"] else {}
        if meta["is_tool"] and rids:
            # A pointer to one package per platform (ReadyToRun), and 'any' for every other platform.
            if "any" not in rids:
                problems.append(f"{nupkg.name}: no 'any' package for the platforms without their own")
        elif meta["is_tool"]:
            expected = ["tools/net10.0/any/DotnetToolSettings.xml", f"tools/net10.0/any/{package_id}.dll", f"tools/net10.0/any/{package_id}.xml"]
            problems.extend(f"{nupkg.name}: no {name}" for name in expected if name not in names)
        else:
            expected = [f"lib/{tfm}/{package_id}{ext}" for tfm in LIBRARY_TFMS for ext in (".dll", ".xml")]
            problems.extend(f"{nupkg.name}: no {name}" for name in expected if name not in names)
            check_dependencies(nupkg.name, package_id, meta)
    for rid, rid_id in rids.items():
        rid_nupkg = folder / f"{rid_id}.{version}.nupkg"
        accounted.add(rid_nupkg.name)
        if not rid_nupkg.exists():
            problems.append(f"{rid_nupkg.name}: missing (named by {nupkg.name})")
            continue
        with zipfile.ZipFile(rid_nupkg) as z:
            rid_meta = nuspec(z, rid_id)
            check_metadata(rid_nupkg.name, z, rid_meta)
            if not rid_meta["is_rid_tool"] and rid != "any":
                problems.append(f"{rid_nupkg.name}: not a DotnetToolRidPackage")
            rid_names = set(z.namelist())
            expected = [f"tools/net10.0/{rid}/DotnetToolSettings.xml", f"tools/net10.0/{rid}/{package_id}.dll", f"tools/net10.0/{rid}/{package_id}.pdb"]
            problems.extend(f"{rid_nupkg.name}: no {name}" for name in expected if name not in rid_names)
            check_pdbs(rid_nupkg.name, z, [n for n in rid_names if n.endswith(f"/{package_id}.pdb")])
    if rids:
        # The PDBs travel in the platform packages; the pointer has no assembly to make symbols of.
        continue
    accounted.add(snupkg.name)
    if not snupkg.exists():
        problems.append(f"{snupkg.name}: missing")
        continue
    with zipfile.ZipFile(snupkg) as z:
        pdbs = [n for n in z.namelist() if n.endswith(f"/{package_id}.pdb")]
        if not pdbs:
            problems.append(f"{snupkg.name}: no {package_id}.pdb")
        check_pdbs(snupkg.name, z, pdbs)

# A package in the folder that no packable project accounts for means the list of ids is wrong.
problems += [f"{path.name}: not one of the packages passed ({', '.join(package_ids)})"
             for path in sorted(folder.glob("*nupkg")) if path.name not in accounted]

for problem in problems:
    print(f"package check: {problem}")
print(f"package check: {len(package_ids)} packages, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
