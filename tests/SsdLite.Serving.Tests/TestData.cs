using System.Diagnostics;

namespace SsdLite.Serving.Tests;

/// <summary>The files the tests carry (Data/, copied from the Detection and Tools tests) and the console beside them.</summary>
internal static class TestData
{
    public static string Data(string relative) => Path.Combine(AppContext.BaseDirectory, "Data", relative);

    public static string Oracle(string name) => Data(Path.Combine("oracle", name));

    /// <summary>The trained oracle's own image (455x314, many detections) and the 41 synthetic 128x128 JPEGs.</summary>
    public static IReadOnlyList<string> Images() =>
        [Oracle("image.jpg"), .. Directory.GetFiles(Data("images"), "*.jpg").Order(StringComparer.Ordinal)];

    /// <summary>The console, built into this folder by the project reference.</summary>
    public static string Ssdlite => Path.Combine(AppContext.BaseDirectory, "ssdlite.dll");

    public static ProcessStartInfo SsdliteStart(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Ssdlite);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>Runs the console to the end; its exit code, standard output and error.</summary>
    public static (int Code, string Output, string Error) RunSsdlite(params string[] args)
    {
        using var process = Process.Start(SsdliteStart(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ssdlite {string.Join(' ', args)} ran past 5 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
