using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace MailSender.Outbox.ProcessTests;

/// <summary>
/// <c>mailsender</c> (the CLI's own build output) as a child process: started with the <c>dotnet</c> host that runs these
/// tests, its output captured, and killed with SIGKILL as a crash or a power cut would end it.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Gets the process id.</summary>
    public int Id => _process.Id;

    /// <summary>Gets what the process wrote on standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Gets what the process wrote on standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>
    /// Gets the full path of MailSender.Cli.dll as MSBuild built it for this test build (written into this assembly by the
    /// project file's EmbedMailSenderCliPath target), or null when it is not there (the tests then skip, or fail under CI=true).
    /// </summary>
    public static string? CliPath
    {
        get
        {
            var path = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "MailSenderCliPath")?.Value;
            return path is { Length: > 0 } && File.Exists(path) ? path : null;
        }
    }

    /// <summary>Why the CLI cannot be run, or null when it can.</summary>
    public static string? UnavailableReason => CliPath is null
        ? "The mailsender CLI is not built next to these tests (src/MailSender.Cli, found through the project reference): build tests/MailSender.Outbox.ProcessTests."
        : null;

    /// <summary>Skips the calling test when the CLI is not built, or fails it under <c>CI=true</c>, where a missing part must not pass silently.</summary>
    public static void Require()
    {
        if (UnavailableReason is { } reason)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(reason + " CI=true, so this test fails instead of being skipped.");
            }

            Skip.If(true, reason);
        }
    }

    /// <summary>
    /// Starts <c>dotnet MailSender.Cli.dll ARGUMENTS</c>. The test machine's own MAILSENDER_* and MailSender__* variables are
    /// removed so that they cannot change what is tested; <paramref name="environment"/> adds the test's own.
    /// </summary>
    public static WorkerProcess Start(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cli = CliPath ?? throw new InvalidOperationException(UnavailableReason);

        // The dotnet host that runs the tests (the SDK sets DOTNET_HOST_PATH for the processes it starts), else the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk) ? fromSdk : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MAILSENDER_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("MailSender__", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{host} {cli} did not start.");
        process.StandardInput.Close();
        return new WorkerProcess(process);
    }

    /// <summary>SIGKILL (Process.Kill on Linux), as a crash or a power cut: no handler runs, nothing is flushed or given back.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }

        _process.WaitForExit();
    }

    /// <summary>Waits for the process to end by itself; kills it and throws with its output when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            // Returns once the output streams are drained too.
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"mailsender did not exit within {timeout}.{Environment.NewLine}stdout: {Output}{Environment.NewLine}stderr: {Error}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    public override string ToString() => $"pid {Id}{Environment.NewLine}stdout: {Output}{Environment.NewLine}stderr: {Error}";

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
