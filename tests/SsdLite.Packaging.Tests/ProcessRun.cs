using System.Diagnostics;
using System.Text;

namespace SsdLite.Packaging.Tests;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>Throws with the command and its output unless it exited with 0.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (ExitCode != 0) throw new InvalidOperationException($"'{Command}' exited with {ExitCode}:\n{Tail(Output)}");
        return this;
    }

    private static string Tail(string text) => text.Length <= 8000 ? text : "..." + text[^8000..];
}

/// <summary>
/// Runs a child process with the environment of a user's shell: the variables the test host's own MSBuild set are
/// removed, so the child's dotnet resolves its SDK and NuGet settings as a newcomer's would.
/// </summary>
internal static class ProcessRun
{
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var key in info.Environment.Keys.Where(IsHostVariable).ToList()) info.Environment.Remove(key);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var command = $"{fileName} {string.Join(' ', info.ArgumentList)}";
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{command}' did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit();
        return new ProcessResult(command, process.ExitCode, output.ToString(), clock.Elapsed);
    }

    // MSBuild and the test platform export these to their children; a consumer's build must not inherit them.
    private static bool IsHostVariable(string name) =>
        name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
        || name is "DOTNET_HOST_PATH";

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }
}
