#!/usr/bin/env bash
# Packs every package (each project in the solution or under src/ whose IsPackable is true; it fails if one lies outside
# src/) with scripts/packaging/pack-local.sh into a temporary folder and installs them the way a user does:
#  1. versions come from git: in a throwaway clone, two commits give two versions (MinVer), uncommitted changes add a
#     timestamp, a tag vX.Y.Z gives X.Y.Z, and a copy without .git still builds (as 0.1.0-alpha.0);
#  2. checks each .nupkg/.snupkg (README naming the docs, MIT licence, the commit and no placeholder, file or local
#     address, XML docs, symbols with every source embedded, dependencies per target framework: the other MailSender
#     packages at the same version, no Microsoft.Extensions line newer than the framework);
#  3. a fresh `dotnet new console` project takes MailSender, MailSender.Testing, MailSender.AspNetCore.Identity,
#     MailSender.HealthChecks, MailSender.Outbox and MailSender.Templates from that folder only (package source
#     mapping), sends a message with the pickup transport (the .eml file must exist), runs the health check, sends an
#     Identity confirmation mail through the in-memory transport, enqueues into an SQLite outbox (the native SQLite
#     library comes with the package) whose worker delivers to the pickup folder, and renders a Liquid template given
#     as a string (AddTemplate) whose .eml must have the rendered subject and a text part made from the HTML;
#  4. the README's first screen, followed to the letter in a fresh `dotnet new web` app: the two lines pack-local.sh
#     prints, the README's Program.cs and appsettings.json, the password set with `dotnet user-secrets`; the app sends
#     through a local SMTP server that checks the password; then the README's xUnit test with MailSender.Testing passes;
#  5. an ASP.NET Core 8 app (net8.0) takes MailSender, MailSender.HealthChecks, MailSender.Templates and
#     MailSender.Templates.Razor and must keep the 8.0 versions of Microsoft.Extensions (none is upgraded to 9 or 10);
#     published self-contained, it sends on .NET 8 itself, a plain message, a Liquid template and a Razor component;
#  6. a trimmed app and a Native AOT app (net10.0) bind MailSender's options with AddMailSender(IConfiguration), send a
#     message and verify an SMTP transport; a trim or AOT warning from MailSender's own code fails the step, and
#     warnings from other assemblies are printed;
#  7. `dotnet tool install --add-source FOLDER MailSender.Cli`, then `mailsender send` must exit 0 and write a file.
# Prints "packaging: OK" and exits 0, or names the failed step and exits 1. Usage: scripts/packaging/test-packages.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
app_pid=
sink_pid=
secrets_dir=
cleanup() {
  [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true
  [ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null || true
  [ -z "$secrets_dir" ] || rm -rf "$secrets_dir"
  rm -rf "$work"
}
trap cleanup EXIT
feed="$work/feed"
# A version no cache can already hold, so nothing but the freshly packed files can satisfy the restore (pack-local.sh's
# own version, from git, is the same for every pack of one commit: step 1 tests it).
version="0.1.0-pkgtest.$(date -u +%Y%m%d%H%M%S)"

fail() { echo "packaging: FAILED: $*" >&2; exit 1; }

echo "== packaging: find the packable projects"
# The one list of packages: every project in the solution (or under src/) whose IsPackable is true, as MSBuild
# evaluates it. Packable projects must live under src/; tests, samples and benchmarks set IsPackable=false.
mapfile -t projects < <({ dotnet sln MailSender.sln list | grep -E '[.]csproj$' | tr '\\' '/'; ls src/*/*.csproj; } | sort -u)
package_ids=()
packable_projects=()
for project in "${projects[@]}"; do
  properties=$(dotnet msbuild "$project" -nologo -getProperty:IsPackable -getProperty:PackageId) || fail "dotnet msbuild -getProperty $project"
  fields=$(python3 -c 'import json, sys; p = json.load(sys.stdin)["Properties"]; print(p["IsPackable"].lower(), p["PackageId"])' <<<"$properties") \
    || fail "reading IsPackable and PackageId of $project"
  read -r packable package_id <<<"$fields"
  [ "$packable" = true ] || continue
  case "$project" in
    src/*) ;;
    *) fail "$project is packable: only projects under src/ are packages (set IsPackable=false)";;
  esac
  package_ids+=("$package_id")
  packable_projects+=("$project")
  echo "$package_id ($project)"
done
[ "${#package_ids[@]}" -gt 0 ] || fail "no packable project found"

echo "== packaging: versions from git (MinVer), in a throwaway clone"
# The clone has this working tree's build files (committed there), so what is tested is what would be committed here.
clone="$work/clone"
git clone -q "$repo" "$clone" || fail "git clone $repo"
cp Directory.Build.props Directory.Packages.props "$clone/"
cp scripts/packaging/pack-local.sh "$clone/scripts/packaging/"
in_clone() { git -C "$clone" -c user.name=packaging-test -c user.email=packaging-test@example.com "$@"; }
in_clone add Directory.Build.props Directory.Packages.props scripts/packaging/pack-local.sh
in_clone commit -q --allow-empty -m "packaging test: the working tree's build files" || fail "git commit in the clone"
clone_version() { (cd "$clone" && scripts/packaging/pack-local.sh --print-version 2>/dev/null) || fail "pack-local.sh --print-version in the clone"; }
first=$(clone_version)
in_clone commit -q --allow-empty -m "packaging test: one more commit" || fail "git commit in the clone"
second=$(clone_version)
echo "two commits: $first, then $second"
[ "$first" != "$second" ] || fail "two commits gave the same version $first"
[[ $second =~ ^[0-9]+[.][0-9]+[.][0-9]+-alpha[.]0[.][0-9]+$ ]] || fail "an untagged commit gave $second, not MAJOR.MINOR.PATCH-alpha.0.HEIGHT"
assembly=$(dotnet msbuild "$clone/src/MailSender/MailSender.csproj" -nologo -t:MinVer -p:TargetFramework=net10.0 -getProperty:AssemblyVersion -getProperty:FileVersion)
IFS=.- read -r major minor patch _ <<<"$second"
# Before 1.0 a minor release may break, so the assembly version keeps the minor there (Directory.Build.props).
if [ "$major" = 0 ]; then expected_assembly="0.$minor.0.0"; else expected_assembly="$major.0.0.0"; fi
python3 -c 'import json, sys; p = json.load(sys.stdin)["Properties"]; sys.exit(p != {"AssemblyVersion": sys.argv[1], "FileVersion": sys.argv[2]})' \
  "$expected_assembly" "$major.$minor.$patch.0" <<<"$assembly" || fail "assembly and file versions of $second: $assembly"
echo "# changed" >> "$clone/README.md"
dirty=$(clone_version)
echo "uncommitted changes: $dirty"
[[ $dirty == "$second".dirty-* ]] || fail "uncommitted changes gave $dirty, not $second.dirty-TIME"
in_clone checkout -q -- README.md
in_clone tag v7.8.9
tagged=$(clone_version)
echo "tag v7.8.9: $tagged"
[ "$tagged" = 7.8.9 ] || fail "the tag v7.8.9 gave $tagged"
# A copy without .git (a source archive): MinVer has no history, the build must still pass with warnings as errors.
mkdir "$work/archive"
in_clone archive HEAD | tar -x -C "$work/archive" || fail "git archive"
(cd "$work/archive" && dotnet build src/MailSender/MailSender.csproj -f net10.0 -warnaserror -nologo -v:q >/dev/null) || fail "a copy without .git does not build"
archived=$(cd "$work/archive" && dotnet msbuild src/MailSender/MailSender.csproj -nologo -t:MinVer -p:TargetFramework=net10.0 -getProperty:PackageVersion)
echo "without .git: $archived"
[ "$archived" = 0.1.0-alpha.0 ] || fail "a copy without .git gave version $archived, not 0.1.0-alpha.0"

echo "== packaging: scripts/packaging/pack-local.sh --version $version $feed"
mapfile -t consumer_lines < <(scripts/packaging/pack-local.sh --version "$version" "$feed") || fail "pack-local.sh"
ls "$feed"
printf '  %s\n' "${consumer_lines[@]}"
[ "${#consumer_lines[@]}" -eq 2 ] \
  && [ "${consumer_lines[0]}" = "dotnet nuget add source $feed --name mailsender-local" ] \
  && [ "${consumer_lines[1]}" = "dotnet add package MailSender --version $version" ] \
  || fail "pack-local.sh did not print the two lines (source $feed, package $version)"

echo "== packaging: package contents"
python3 scripts/packaging/check-packages.py "$feed" "$version" "${package_ids[@]}" || fail "package contents"

echo "== packaging: a fresh console project uses the library packages"
# The machine's own enabled sources stay available for MimeKit, MailKit and the Microsoft.Extensions packages;
# package source mapping lets MailSender* come from the local folder only.
mapfile -t sources < <(dotnet nuget list source --format short | awk '$1 ~ /^E/ {print $2}')
[ "${#sources[@]}" -gt 0 ] || fail "no enabled NuGet source on this machine"
cache=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: *//')
# This machine's runtime identifier (linux-x64, osx-arm64, ...) for the self-contained and native publishes.
rid=$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')
[ -n "$rid" ] || fail "no RID in dotnet --info"

# new_consumer DIR: an empty folder set up as a user's project folder: MailSender* from the local folder only
# (package source mapping), everything else from the machine's sources, and none of our build files.
new_consumer() {
  mkdir -p "$1"
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo "  <config><add key=\"globalPackagesFolder\" value=\"$work/packages\" /></config>"
    echo "  <fallbackPackageFolders><add key=\"machine-cache\" value=\"$cache\" /></fallbackPackageFolders>"
    echo '  <packageSources>'
    echo '    <clear />'
    echo "    <add key=\"mailsender-local\" value=\"$feed\" />"
    for i in "${!sources[@]}"; do echo "    <add key=\"source$i\" value=\"${sources[$i]}\" />"; done
    echo '  </packageSources>'
    echo '  <packageSourceMapping>'
    echo '    <packageSource key="mailsender-local"><package pattern="MailSender" /><package pattern="MailSender.*" /></packageSource>'
    for i in "${!sources[@]}"; do echo "    <packageSource key=\"source$i\"><package pattern=\"*\" /></packageSource>"; done
    echo '  </packageSourceMapping>'
    echo '</configuration>'
  } > "$1/nuget.config"
  # A user's project sees no build files of ours; stop MSBuild's upward search so no stray file above the
  # temporary folder (such as a Directory.Build.props that turns on central package management) applies either.
  echo '<Project><PropertyGroup><ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps></PropertyGroup></Project>' > "$1/Directory.Build.props"
  echo '<Project />' > "$1/Directory.Build.targets"
}

consumer="$work/consumer"
new_consumer "$consumer"
cd "$consumer"
dotnet new console --name Consumer --output . --no-restore >/dev/null || fail "dotnet new console"
# The library packages of the console project (MailSender.Templates: Liquid templates, rendered and sent below).
console_packages=(MailSender MailSender.Testing MailSender.AspNetCore.Identity MailSender.HealthChecks MailSender.Outbox MailSender.Templates)
for package in "${console_packages[@]}"; do
  dotnet add package "$package" --version "$version" >/dev/null || fail "dotnet add package $package $version"
done
for package in Microsoft.Extensions.DependencyInjection Microsoft.Extensions.Logging; do
  dotnet add package "$package" --version 10.0.0 >/dev/null || fail "dotnet add package $package"
done
cat > Program.cs <<'CS'
using MailSender;
using MailSender.AspNetCore.Identity;
using MailSender.Outbox;
using MailSender.Templates;
using MailSender.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

// MailSender and MailSender.HealthChecks: check the pickup folder, send, and print the file written.
var services = new ServiceCollection().AddLogging();
services.AddMailSender(options =>
{
    options.Transport = $"pickup:{args[0]}";
    options.DefaultFrom = "Consumer <consumer@example.com>";
});
services.AddHealthChecks().AddMailSender();
await using (var provider = services.BuildServiceProvider())
{
    var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
    if (health.Status != HealthStatus.Healthy)
    {
        throw new InvalidOperationException($"The health check reported {health.Status}: {health.Entries["mailsender"].Description}");
    }

    var result = await provider.GetRequiredService<IEmailSender>().SendAsync("ann@example.com", "Package test", "Sent by a fresh console project.");
    Console.WriteLine(result.FilePath);
}

// MailSender.Outbox: enqueue into an SQLite outbox (the native SQLite library comes with the package), then let its
// worker (a hosted service) deliver the message to the pickup folder.
var outboxServices = new ServiceCollection().AddLogging();
outboxServices.AddMailSender(options =>
{
    options.Transport = $"pickup:{args[0]}/from-outbox";
    options.DefaultFrom = "Consumer <consumer@example.com>";
}).AddOutbox(options =>
{
    options.Store = $"sqlite:{args[0]}/outbox.db";
    options.PollInterval = TimeSpan.FromMilliseconds(100);
});
await using (var provider = outboxServices.BuildServiceProvider())
{
    var outbox = provider.GetRequiredService<IEmailOutbox>();
    var id = await outbox.EnqueueAsync("ann@example.com", "Outbox package test", "Delivered by the outbox worker.");
    var workers = provider.GetServices<IHostedService>().ToList();
    foreach (var worker in workers)
    {
        await worker.StartAsync(default);
    }

    var deadline = DateTime.UtcNow.AddSeconds(30);
    while ((await outbox.GetAsync(id))?.State != OutboxState.Sent)
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new InvalidOperationException($"The outbox did not deliver {id}: {(await outbox.GetAsync(id))?.LastError}");
        }

        await Task.Delay(100);
    }

    foreach (var worker in workers)
    {
        await worker.StopAsync(default);
    }
}

// MailSender.Testing and MailSender.AspNetCore.Identity: Identity's confirmation mail, recorded in memory.
var identity = new ServiceCollection();
identity.AddMailSender(options => options.DefaultFrom = "Accounts <accounts@example.com>").AddIdentityEmailSender<IdentityUser>();
identity.AddInMemoryEmailTransport();
await using (var provider = identity.BuildServiceProvider())
{
    var mail = provider.GetRequiredService<InMemoryEmailTransport>();
    await provider.GetRequiredService<IEmailSender<IdentityUser>>()
        .SendConfirmationLinkAsync(new IdentityUser("ann"), "ann@example.com", "https://app.example.com/confirm?id=1&code=2");
    var sent = mail.ShouldHaveSent(m => m.Subject == "Confirm your email");
    if (sent.Sender != "accounts@example.com" || sent.HtmlBody?.Contains("id=1&amp;code=2", StringComparison.Ordinal) != true)
    {
        throw new InvalidOperationException($"Unexpected Identity mail: {sent}");
    }
}

// MailSender.Templates: a Liquid template given as strings (no template folder), rendered with a model; the text part
// is made from the HTML, and the pickup transport writes the message to {args[0]}/templates.
var templated = new ServiceCollection().AddLogging();
templated.AddMailSender(options =>
{
    options.Transport = $"pickup:{args[0]}/templates";
    options.DefaultFrom = "Consumer <consumer@example.com>";
});
templated.AddMailSenderTemplates().AddTemplate(
    "welcome",
    "Welcome, {{ user.name }}!",
    "<h1>Hello {{ user.name }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>");
await using (var provider = templated.BuildServiceProvider())
{
    await provider.GetRequiredService<IEmailSender>().SendTemplateAsync(
        provider.GetRequiredService<IEmailTemplates>(), "welcome", new { User = new { Name = "Ann" }, Items = new[] { "first", "second" } }, "ann@example.com");
}
CS
dotnet build -c Release -nologo -v:q >/dev/null || fail "dotnet build of the console project"
for package in "${console_packages[@]}"; do
  lower=$(echo "$package" | tr '[:upper:]' '[:lower:]')
  grep -q "\"$package/$version\"" obj/project.assets.json || fail "the console project did not resolve $package $version"
  grep -q "\"source\": \"$feed\"" "$work/packages/$lower/$version/.nupkg.metadata" || fail "$package did not come from $feed"
done
written=$(dotnet run -c Release --no-build -- "$work/outbox") || fail "the console project's sends"
[ -f "$written" ] || fail "the console project reported '$written', which is not a file"
grep -q '^Subject: Package test' "$written" || fail "$written has no 'Subject: Package test'"
echo "sent: $written"
grep -lq '^Subject: Outbox package test' "$work/outbox/from-outbox/"*.eml || fail "the outbox did not deliver to $work/outbox/from-outbox"
echo "delivered through the outbox: $(ls "$work/outbox/from-outbox/"*.eml)"
templated=$(find "$work/outbox/templates" -name '*.eml' 2>/dev/null | head -n 1)
[ -n "$templated" ] || fail "MailSender.Templates: the console project wrote no .eml file to $work/outbox/templates"
check_templated_eml() {  # FILE SUBJECT HTML TEXT: the subject, an HTML part holding HTML, a text part holding TEXT
  python3 - "$@" <<'PY'
import sys
from email import message_from_binary_file, policy
path, subject, html, text = sys.argv[1:]
message = message_from_binary_file(open(path, "rb"), policy=policy.default)
html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
problems = [f"subject {message['Subject']!r}, expected {subject!r}"] if message["Subject"] != subject else []
if html_part is None or html not in html_part.get_content():
    problems.append(f"no HTML part with {html!r}")
if text_part is None or text not in text_part.get_content():
    problems.append(f"no text part with {text!r}")
for problem in problems:
    print(f"{path}: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check_templated_eml "$templated" "Welcome, Ann!" "<li>second</li>" "Hello Ann" || fail "MailSender.Templates: $templated is not the rendered template"
echo "rendered from a Liquid template: $templated"

echo "== packaging: the README's first screen in a fresh dotnet new web app"
# Only what README.md says: the two lines pack-local.sh printed, its Program.cs and appsettings.json, the password
# with `dotnet user-secrets`, then its xUnit test. The code comes from README.md itself, so the README cannot drift.
readme="$work/readme"
mkdir -p "$readme"
python3 - "$repo/README.md" "$readme" <<'PY' || fail "README.md: the Program.cs, appsettings.json and test blocks of its first screen"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("<!-- test-packages.sh runs")
blocks = re.findall(r"```(\w+)\n(.*?)```", text[start:text.index("\n## Documentation", start)], re.S)
kinds = [kind for kind, _ in blocks]
assert kinds[:2] == ["csharp", "json"] and "csharp" in kinds[2:], kinds
names = {"Program.cs": blocks[0][1], "appsettings.json": blocks[1][1], "HelloTests.cs": next(b for k, b in blocks[2:] if k == "csharp")}
for name, body in names.items():
    open(f"{sys.argv[2]}/{name}", "w", encoding="utf-8").write(body)
PY
# Set up like a user's machine: the machine's NuGet sources and cache (the packages' test version is in no cache), none
# of this repository's build files, and no source for the packages yet: the first printed line adds it here.
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo "  <config><add key=\"globalPackagesFolder\" value=\"$work/packages\" /></config>"
  echo "  <fallbackPackageFolders><add key=\"machine-cache\" value=\"$cache\" /></fallbackPackageFolders>"
  echo '  <packageSources>'
  echo '    <clear />'
  for i in "${!sources[@]}"; do echo "    <add key=\"source$i\" value=\"${sources[$i]}\" />"; done
  echo '  </packageSources>'
  echo '</configuration>'
} > "$readme/nuget.config"
echo '<Project><PropertyGroup><ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps></PropertyGroup></Project>' > "$readme/Directory.Build.props"
echo '<Project />' > "$readme/Directory.Build.targets"
cd "$readme"
dotnet new web --name Hello --output Hello >/dev/null || fail "dotnet new web"
cd Hello
for line in "${consumer_lines[@]}"; do
  bash -c "$line" >/dev/null || fail "the printed line: $line"
done
grep -q "\"MailSender/$version\"" obj/project.assets.json || fail "the web app did not resolve MailSender $version"
grep -q "\"source\": \"$feed\"" "$work/packages/mailsender/$version/.nupkg.metadata" || fail "MailSender did not come from $feed"
cp ../Program.cs Program.cs
python3 - appsettings.json ../appsettings.json <<'PY' || fail "merging the README's appsettings.json"
import json, sys
settings = json.load(open(sys.argv[1]))
settings.update(json.load(open(sys.argv[2])))
json.dump(settings, open(sys.argv[1], "w"), indent=2)
PY
! grep -qi password appsettings.json || fail "the README puts a password into appsettings.json"
# A local SMTP server stands in for smtp.example.com: it takes only the password set with user-secrets.
password="pw-$RANDOM-$RANDOM"
python3 "$repo/scripts/packaging/smtp_sink.py" "$work/sink" app "$password" > "$work/sink.out" &
sink_pid=$!
for _ in $(seq 50); do grep -q '^port ' "$work/sink.out" 2>/dev/null && break; sleep 0.1; done
sink_port=$(awk '/^port / {print $2}' "$work/sink.out")
[ -n "$sink_port" ] || fail "the local SMTP server did not start"
dotnet user-secrets init >/dev/null || fail "dotnet user-secrets init"
secrets_id=$(sed -n 's:.*<UserSecretsId>\(.*\)</UserSecretsId>.*:\1:p' Hello.csproj)
[ -n "$secrets_id" ] || fail "dotnet user-secrets init wrote no UserSecretsId"
secrets_dir="$HOME/.microsoft/usersecrets/$secrets_id"
dotnet user-secrets set MailSender:Password "$password" >/dev/null || fail "dotnet user-secrets set MailSender:Password"
dotnet build -nologo -v:q >/dev/null || fail "dotnet build of the README's web app"
web_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Development (as `dotnet run` sets it) loads the user secrets; only the server's address differs from the README.
ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$web_port" \
  MailSender__Transport="smtp://app@127.0.0.1:$sink_port?security=none&allowInsecureAuth=true" \
  dotnet run --no-build --no-launch-profile > "$work/web.log" 2>&1 &
app_pid=$!
posted=
for _ in $(seq 100); do
  posted=$(curl -s -f -X POST "http://127.0.0.1:$web_port/hello?to=ann@example.com") && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/web.log"; fail "the README's web app exited"; }
  sleep 0.3
done
[ -n "$posted" ] || { tail -n 30 "$work/web.log"; fail "POST /hello did not succeed"; }
echo "POST /hello: $posted"
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=
received=$(grep -l '^Subject: Hello' "$work/sink/"*.eml 2>/dev/null | head -n 1)
[ -n "$received" ] || fail "the local SMTP server received no message 'Hello'"
tr -d '\r' < "$received" | grep -q '^X-Sink-To: ann@example.com$' || fail "$received was not sent to ann@example.com"
grep -q '^From: App <app@example.com>' "$received" || fail "$received is not from the README's DefaultFrom"
echo "received through SMTP with the user-secrets password: $received"
# The README's test, in an xUnit project that references the app, MailSender.Testing and Mvc.Testing.
cd "$readme"
dotnet new xunit --name HelloTests --output HelloTests >/dev/null || fail "dotnet new xunit"
cd HelloTests
rm -f UnitTest1.cs
cp ../HelloTests.cs HelloTests.cs
dotnet add reference ../Hello/Hello.csproj >/dev/null || fail "dotnet add reference (the README's test)"
dotnet add package MailSender.Testing --version "$version" >/dev/null || fail "dotnet add package MailSender.Testing $version"
mvc_testing=$(sed -n 's:.*"Microsoft.AspNetCore.Mvc.Testing" Version="\([^"]*\)".*:\1:p' "$repo/Directory.Packages.props" | head -n 1)
dotnet add package Microsoft.AspNetCore.Mvc.Testing --version "$mvc_testing" >/dev/null || fail "dotnet add package Microsoft.AspNetCore.Mvc.Testing"
dotnet test -nologo > "$work/readme-test.log" 2>&1 || { tail -n 40 "$work/readme-test.log"; fail "the README's test"; }
grep -qE 'Passed! +- +Failed: +0, Passed: +1,' "$work/readme-test.log" || { tail -n 20 "$work/readme-test.log"; fail "the README's test did not run once and pass"; }
echo "the README's test with MailSender.Testing passed"
rm -rf "$secrets_dir"; secrets_dir=

echo "== packaging: an ASP.NET Core 8 app keeps Microsoft.Extensions 8.0"
# The net8.0 build of every package depends on the 8.0 line of Microsoft.Extensions (Directory.Packages.props), so
# referencing MailSender must not pull a 9.x or 10.x Microsoft.Extensions package into an ASP.NET Core 8 application.
web8="$work/web8"
new_consumer "$web8"
cd "$web8"
# The .NET 10 SDK's templates offer only net10.0, so the project file is written here: what `dotnet new web` makes for 8.
cat > Web8.csproj <<'XML'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
</Project>
XML
for package in MailSender MailSender.HealthChecks MailSender.Templates MailSender.Templates.Razor; do
  dotnet add package "$package" --version "$version" --no-restore >/dev/null || fail "dotnet add package $package $version (net8.0)"
done
# A Razor component as a mail template (the Web SDK compiles .razor files).
cat > Welcome.razor <<'RAZOR'
@using MailSender.Templates.Razor

<EmailSubject>Razor welcome, @Name</EmailSubject>
<h1>Hello @Name</h1>
<p>Rendered by a Razor component on .NET @Environment.Version.Major.</p>

@code {
    [Parameter] public string Name { get; set; } = "";
}
RAZOR
cat > Program.cs <<'CS'
using MailSender;
using MailSender.Templates;
using Microsoft.Extensions.Diagnostics.HealthChecks;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["MailSender:Transport"] = "pickup:" + args[0],
    ["MailSender:DefaultFrom"] = "Web8 <web8@example.com>",
});
builder.Services.AddMailSender(builder.Configuration.GetSection("MailSender"));
builder.Services.AddHealthChecks().AddMailSender();
builder.Services.AddMailSenderTemplates()
    .AddTemplate("liquid-welcome", "Liquid welcome, {{ name }}", "<h1>Hello {{ name }}</h1>")
    .AddRazorTemplate<Web8.Welcome>("razor-welcome");
await using var app = builder.Build();

var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
if (health.Status != HealthStatus.Healthy)
{
    throw new InvalidOperationException($"The health check reported {health.Status}.");
}

var result = await app.Services.GetRequiredService<IEmailSender>().SendAsync("ann@example.com", "Package test on .NET 8", "Sent by an ASP.NET Core 8 app.");
Console.WriteLine($"sent-on {Environment.Version} {result.FilePath}");

// The templates' net8.0 builds: a Liquid template and a Razor component rendered and sent on .NET 8.
var sender = app.Services.GetRequiredService<IEmailSender>();
var templates = app.Services.GetRequiredService<IEmailTemplates>();
var liquid = await sender.SendTemplateAsync(templates, "liquid-welcome", new { Name = "Ann" }, "ann@example.com");
var razor = await sender.SendTemplateAsync(templates, "razor-welcome", new { Name = "Ann" }, "ann@example.com");
Console.WriteLine($"templated {liquid.FilePath} {razor.FilePath}");
CS
dotnet restore -r "$rid" >/dev/null || fail "dotnet restore of the ASP.NET Core 8 app"
upgraded=$(python3 - obj/project.assets.json <<'PY'
import json, sys
libraries = json.load(open(sys.argv[1]))["libraries"]
print(" ".join(sorted(name for name in libraries
                      if name.lower().startswith("microsoft.extensions.") and int(name.split("/")[1].split(".")[0]) > 8)))
PY
) || fail "reading the ASP.NET Core 8 app's project.assets.json"
[ -z "$upgraded" ] || fail "referencing MailSender upgraded the ASP.NET Core 8 app's Microsoft.Extensions packages: $upgraded"
grep -q "\"MailSender/$version\"" obj/project.assets.json || fail "the ASP.NET Core 8 app did not resolve MailSender $version"
# Self-contained, so it runs on the .NET 8 runtime from the runtime pack even where only a newer runtime is installed.
dotnet publish -c Release -r "$rid" --self-contained -o "$work/web8-out" -nologo -v:q >/dev/null || fail "dotnet publish of the ASP.NET Core 8 app"
web8_run=$("$work/web8-out/Web8" "$work/web8-outbox") || fail "the ASP.NET Core 8 app's send"
read -r _ web8_runtime web8_file < <(grep '^sent-on ' <<<"$web8_run")
case "$web8_runtime" in 8.*) ;; *) fail "the ASP.NET Core 8 app ran on .NET $web8_runtime, not 8";; esac
grep -q '^Subject: Package test on .NET 8' "$web8_file" || fail "$web8_file has no 'Subject: Package test on .NET 8'"
read -r _ web8_liquid web8_razor < <(grep '^templated ' <<<"$web8_run")
check_templated_eml "$web8_liquid" "Liquid welcome, Ann" "<h1>Hello Ann</h1>" "Hello Ann" || fail "MailSender.Templates on .NET 8: $web8_liquid"
check_templated_eml "$web8_razor" "Razor welcome, Ann" "<h1>Hello Ann</h1>" "Rendered by a Razor component on .NET 8." \
  || fail "MailSender.Templates.Razor on .NET 8: $web8_razor"
echo "sent on .NET $web8_runtime: $web8_file, and templated: $web8_liquid (Liquid), $web8_razor (Razor) (no Microsoft.Extensions package above 8.x)"

echo "== packaging: trimmed and Native AOT apps"
# IsAotCompatible on the packages turns on the trim and AOT analyzers at build; this proves it where it counts, in a
# published app: options bound from IConfiguration by the source generator, a message sent, an SMTP transport verified.
aot="$work/aot"
new_consumer "$aot"
cd "$aot"
dotnet new console --name AotApp --output . --no-restore >/dev/null || fail "dotnet new console (AOT)"
dotnet add package MailSender --version "$version" --no-restore >/dev/null || fail "dotnet add package MailSender $version (AOT)"
for package in Microsoft.Extensions.DependencyInjection Microsoft.Extensions.Configuration; do
  dotnet add package "$package" --version 10.0.0 --no-restore >/dev/null || fail "dotnet add package $package (AOT)"
done
cat > Program.cs <<'CS'
using MailSender;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["MailSender:Transport"] = "pickup:" + args[0],
        ["MailSender:DefaultFrom"] = "Aot <aot@example.com>",
        ["MailSender:Smtp:CommandTimeout"] = "00:00:07",
        ["MailSender:Smtp:Pool:MaxConnections"] = "3",
        ["MailSender:Resilience:Retry:BackoffType"] = "Linear",
        ["Probe:Transport"] = $"smtp://127.0.0.1:{args[1]}?security=none",
        ["Probe:Resilience:Enabled"] = "false",
    })
    .Build();
var services = new ServiceCollection();
services.AddMailSender(configuration.GetSection("MailSender"));
services.AddMailSender("probe", configuration.GetSection("Probe"));
await using var provider = services.BuildServiceProvider();

// Binding through the source generator: a reflection binder trimmed away would leave the defaults here.
var options = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().CurrentValue;
if (options.Smtp.CommandTimeout != TimeSpan.FromSeconds(7) || options.Smtp.Pool.MaxConnections != 3 || options.Resilience.Retry.BackoffType != Polly.DelayBackoffType.Linear)
{
    throw new InvalidOperationException("The options were not bound from configuration.");
}

var result = await provider.GetRequiredService<IEmailSender>().SendAsync("ann@example.com", "Package test, " + args[2], "Sent by a published app.");

// The SMTP engine (socket, error mapping, hints) under trimming: nothing listens on that port.
try
{
    await provider.GetRequiredService<IEmailSenderFactory>().GetSender("probe").VerifyAsync();
    throw new InvalidOperationException("VerifyAsync succeeded against a closed port.");
}
catch (EmailSendException error) when (error.Kind == EmailErrorKind.ConnectionFailed && error.Hint is { Length: > 0 })
{
}

Console.WriteLine(result.FilePath);
CS
closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
for mode in trimmed aot; do
  if [ "$mode" = aot ]; then
    publish_flags=(-p:PublishAot=true)
  else
    publish_flags=(-p:PublishTrimmed=true --self-contained)
  fi
  # TrimmerSingleWarn=false: one warning per problem, not one per assembly, so MailSender's own can be told apart.
  dotnet publish -c Release -r "$rid" -o "$work/$mode-out" -p:TrimmerSingleWarn=false "${publish_flags[@]}" -nologo \
    > "$work/$mode-publish.log" 2>&1 || { tail -n 30 "$work/$mode-publish.log"; fail "dotnet publish ($mode)"; }
  mapfile -t warnings < <(grep -E 'warning (IL[0-9]{4}|SYSLIB[0-9]{4})' "$work/$mode-publish.log" | sed -E 's/ \[[^]]*\]$//' | sort -u)
  own=$(printf '%s\n' "${warnings[@]}" | grep -E 'MailSender[.:(/ ]' | grep -v "$aot/Program.cs" || true)
  [ -z "$own" ] || fail "$mode publish: trim/AOT warnings from MailSender's code:"$'\n'"$own"
  if [ "${#warnings[@]}" -gt 0 ]; then
    echo "$mode publish: ${#warnings[@]} warning(s) from other assemblies (see docs/packaging.md):"
    printf '  %s\n' "${warnings[@]}"
  fi
  file=$("$work/$mode-out/AotApp" "$work/$mode-outbox" "$closed_port" "$mode") || fail "the $mode app's send"
  grep -q "^Subject: Package test, $mode" "$file" || fail "$file has no 'Subject: Package test, $mode'"
  echo "$mode: sent $file with no trim/AOT warning from MailSender"
done

echo "== packaging: dotnet tool install MailSender.Cli, then mailsender send"
# Package source mapping and --add-source do not mix: the tool gets its own config, the machine's sources only.
mkdir -p "$work/tool"
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration><packageSources><clear />'
  for i in "${!sources[@]}"; do echo "  <add key=\"source$i\" value=\"${sources[$i]}\" />"; done
  echo '</packageSources></configuration>'
} > "$work/tool/nuget.config"
# NUGET_PACKAGES: restore into the temporary folder, so the machine's package cache does not collect test versions.
(cd "$work/tool" && NUGET_PACKAGES="$work/tool-packages" dotnet tool install MailSender.Cli --version "$version" --tool-path "$work/tools" \
  --configfile "$work/tool/nuget.config" --add-source "$feed") >/dev/null || fail "dotnet tool install MailSender.Cli $version"
"$work/tools/mailsender" send --transport "pickup:$work/tool-outbox" --from tool@example.com --to ann@example.com \
  --subject "Tool test" --text "Sent by the installed tool." || fail "mailsender send exited $?"
tool_file=$(find "$work/tool-outbox" -name '*.eml' | head -n 1)
[ -n "$tool_file" ] || fail "mailsender send wrote no .eml file"
grep -q '^Subject: Tool test' "$tool_file" || fail "$tool_file has no 'Subject: Tool test'"
# The tool is packed per platform, ReadyToRun (src/MailSender.Cli/MailSender.Cli.csproj): this machine must get its own
# precompiled package, not the portable 'any' one.
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
case "$rid" in linux-x64|linux-arm64|osx-arm64|win-x64) ;; *) rid=any;; esac
installed=$(find "$work/tools/.store" -ipath "*/mailsender.cli.$rid/*/tools/net10.0/$rid/MailSender.Cli.dll" | head -n 1)
[ -n "$installed" ] || fail "dotnet tool install did not install the $rid package of MailSender.Cli"
if [ "$rid" != any ]; then
  # A ReadyToRun image has a managed native header (the CLI header's ManagedNativeHeader directory); an IL-only one has none.
  python3 - "$installed" <<'PY' || fail "$installed is not ReadyToRun"
import struct, sys
data = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", data, 0x3C)[0]
optional = pe + 24
directories = optional + (112 if struct.unpack_from("<H", data, optional)[0] == 0x20B else 96)
cli_rva = struct.unpack_from("<I", data, directories + 14 * 8)[0]
sections = optional + struct.unpack_from("<H", data, pe + 20)[0]
offset = None
for i in range(struct.unpack_from("<H", data, pe + 6)[0]):
    size, va, raw_size, raw = struct.unpack_from("<IIII", data, sections + i * 40 + 8)
    if va <= cli_rva < va + max(size, raw_size):
        offset = cli_rva - va + raw
sys.exit(1 if offset is None or struct.unpack_from("<I", data, offset + 64)[0] == 0 else 0)
PY
fi

cd "$repo"
echo "packaging: OK (${#package_ids[@]} packages $version: ${package_ids[*]}; versions from git; console, the README's web app and test, ASP.NET Core 8, trimmed, Native AOT and dotnet tool installs from the local folder)"
