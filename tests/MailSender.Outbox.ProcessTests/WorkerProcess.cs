using System.Diagnostics;
using System.Text;
using MailSender.TestSupport;

namespace MailSender.Outbox.ProcessTests;

/// <summary>`mailsender worker` as a child process: the CLI's own build output, started with `dotnet`.</summary>
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

    public bool HasExited => _process.HasExited;

    /// <summary>The CLI built in the same configuration as these tests (the project reference builds it first).</summary>
    public static string CliPath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Parent!.Name;
            var path = RepositoryFiles.PathOf(Path.Combine("src", "MailSender.Cli", "bin", configuration, "net10.0", "MailSender.Cli.dll"));
            return File.Exists(path) ? path : throw new InvalidOperationException($"The CLI is not built at {path}: build the solution first.");
        }
    }

    public static WorkerProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Quiet and fast to start; the machine's MAILSENDER_* variables must not change what is tested.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var variable in new[] { "MAILSENDER_TRANSPORT", "MAILSENDER_OUTBOX", "MAILSENDER_FROM", "MAILSENDER_PASSWORD" })
        {
            start.Environment.Remove(variable);
        }

        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>SIGKILL, as a crash or a power cut: no handler runs, nothing is flushed or given back.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The worker did not exit within {timeout}. stdout: {Output} stderr: {Error}");
        }

        // WaitForExitAsync returns once the streams are drained too.
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

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
