#!/usr/bin/env bash
# Packs every package (each project in the solution or under src/ whose IsPackable is true; it fails if one lies outside
# src/) into a temporary folder and installs them the way a user does:
#  1. checks each .nupkg/.snupkg (README, MIT licence, repository, XML docs, symbols, SourceLink);
#  2. a fresh `dotnet new console` project takes MailSender, MailSender.Testing, MailSender.AspNetCore.Identity,
#     MailSender.HealthChecks and MailSender.Outbox from that folder only (package source mapping), sends a message
#     with the pickup transport (the .eml file must exist), runs the health check, sends an Identity confirmation mail
#     through the in-memory transport, and enqueues into an SQLite outbox (the native SQLite library comes with the
#     package) whose worker delivers to the pickup folder;
#  3. an ASP.NET Core 8 app (net8.0) takes MailSender and MailSender.HealthChecks and must keep the 8.0 versions of
#     Microsoft.Extensions (none is upgraded to 9 or 10); published self-contained, it sends on .NET 8 itself;
#  4. a trimmed app and a Native AOT app (net10.0) bind MailSender's options with AddMailSender(IConfiguration), send a
#     message and verify an SMTP transport; a trim or AOT warning from MailSender's own code fails the step, and
#     warnings from other assemblies are printed;
#  5. `dotnet tool install --add-source FOLDER MailSender.Cli`, then `mailsender send` must exit 0 and write a file.
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
for package in MailSender MailSender.Testing MailSender.AspNetCore.Identity MailSender.HealthChecks MailSender.Outbox; do
  dotnet add package "$package" --version "$version" >/dev/null || fail "dotnet add package $package $version"
done
for package in Microsoft.Extensions.DependencyInjection Microsoft.Extensions.Logging; do
  dotnet add package "$package" --version 10.0.0 >/dev/null || fail "dotnet add package $package"
done
cat > Program.cs <<'CS'
using MailSender;
using MailSender.AspNetCore.Identity;
using MailSender.Outbox;
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
CS
dotnet build -c Release -nologo -v:q >/dev/null || fail "dotnet build of the console project"
for package in MailSender MailSender.Testing MailSender.AspNetCore.Identity MailSender.HealthChecks MailSender.Outbox; do
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
for package in MailSender MailSender.HealthChecks; do
  dotnet add package "$package" --version "$version" --no-restore >/dev/null || fail "dotnet add package $package $version (net8.0)"
done
cat > Program.cs <<'CS'
using MailSender;
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
await using var app = builder.Build();

var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
if (health.Status != HealthStatus.Healthy)
{
    throw new InvalidOperationException($"The health check reported {health.Status}.");
}

var result = await app.Services.GetRequiredService<IEmailSender>().SendAsync("ann@example.com", "Package test on .NET 8", "Sent by an ASP.NET Core 8 app.");
Console.WriteLine($"sent-on {Environment.Version} {result.FilePath}");
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
echo "sent on .NET $web8_runtime: $web8_file (no Microsoft.Extensions package above 8.x)"

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

cd "$repo"
echo "packaging: OK (${#package_ids[@]} packages $version: ${package_ids[*]}; console, ASP.NET Core 8, trimmed, Native AOT and dotnet tool installs from the local folder)"
