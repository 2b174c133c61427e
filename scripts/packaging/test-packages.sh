#!/usr/bin/env bash
# Packs every package (each project in the solution or under src/ whose IsPackable is true; it fails if one lies outside
# src/) into a temporary folder and installs them the way a user does:
#  1. checks each .nupkg/.snupkg (README, MIT licence, repository, XML docs, symbols, SourceLink);
#  2. a fresh `dotnet new console` project takes MailSender, MailSender.Testing, MailSender.AspNetCore.Identity and
#     MailSender.HealthChecks from that folder only (package source mapping), sends a message with the pickup transport
#     (the .eml file must exist), runs the health check and sends an Identity confirmation mail through the in-memory
#     transport;
#  3. `dotnet tool install --add-source FOLDER MailSender.Cli`, then `mailsender send` must exit 0 and write a file.
# Prints "packaging: OK" and exits 0, or names the failed step and exits 1. Usage: scripts/packaging/test-packages.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
# A version no cache can already hold, so nothing but the freshly packed files can satisfy the restore.
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

echo "== packaging: pack $version into $feed"
for project in "${packable_projects[@]}"; do
  dotnet pack "$project" -c Release -o "$feed" -p:Version="$version" -warnaserror -nologo -v:q || fail "dotnet pack $project"
done
ls "$feed"

echo "== packaging: package contents"
python3 scripts/packaging/check-packages.py "$feed" "$version" "${package_ids[@]}" || fail "package contents"

echo "== packaging: a fresh console project uses the library packages"
# The machine's own enabled sources stay available for MimeKit, MailKit and the Microsoft.Extensions packages;
# package source mapping lets MailSender* come from the local folder only.
mapfile -t sources < <(dotnet nuget list source --format short | awk '$1 ~ /^E/ {print $2}')
[ "${#sources[@]}" -gt 0 ] || fail "no enabled NuGet source on this machine"
cache=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: *//')
consumer="$work/consumer"
mkdir -p "$consumer"
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
} > "$consumer/nuget.config"

cd "$consumer"
# A user's project sees no build files of ours; stop MSBuild's upward search so no stray file above the
# temporary folder (such as a Directory.Build.props that turns on central package management) applies either.
echo '<Project><PropertyGroup><ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps></PropertyGroup></Project>' > Directory.Build.props
echo '<Project />' > Directory.Build.targets
dotnet new console --name Consumer --output . --no-restore >/dev/null || fail "dotnet new console"
for package in MailSender MailSender.Testing MailSender.AspNetCore.Identity MailSender.HealthChecks; do
  dotnet add package "$package" --version "$version" >/dev/null || fail "dotnet add package $package $version"
done
for package in Microsoft.Extensions.DependencyInjection Microsoft.Extensions.Logging; do
  dotnet add package "$package" --version 10.0.0 >/dev/null || fail "dotnet add package $package"
done
cat > Program.cs <<'CS'
using MailSender;
using MailSender.AspNetCore.Identity;
using MailSender.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
CS
dotnet build -c Release -nologo -v:q >/dev/null || fail "dotnet build of the console project"
for package in MailSender MailSender.Testing MailSender.AspNetCore.Identity MailSender.HealthChecks; do
  lower=$(echo "$package" | tr '[:upper:]' '[:lower:]')
  grep -q "\"$package/$version\"" obj/project.assets.json || fail "the console project did not resolve $package $version"
  grep -q "\"source\": \"$feed\"" "$work/packages/$lower/$version/.nupkg.metadata" || fail "$package did not come from $feed"
done
written=$(dotnet run -c Release --no-build -- "$work/outbox") || fail "the console project's sends"
[ -f "$written" ] || fail "the console project reported '$written', which is not a file"
grep -q '^Subject: Package test' "$written" || fail "$written has no 'Subject: Package test'"
echo "sent: $written"

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

cd "$repo"
echo "packaging: OK (${#package_ids[@]} packages $version: ${package_ids[*]}; console project and dotnet tool installed from the local folder)"
