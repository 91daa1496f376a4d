using System.Runtime.InteropServices;
using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Tools.Training;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>Runs a command body, turning the errors users cause into one clear line and a non-zero exit code.</summary>
internal static class CommandRunner
{
    public const int Failure = 1;

    /// <summary>
    /// <see cref="Run"/> for a command that needs tensors: the engine (libstdc++ fix, malloc, threads, oneDNN) is
    /// prepared first, inside the same error handling.
    /// </summary>
    public static int RunWithEngine(string command, Func<int> body) => Run(command, () =>
    {
        TorchEngine.EnsureInitialized();
        return body();
    });

    public static int Run(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"ssdlite {command}: error: {e.Message}");
            if (e is DataCheckException dc)
            {
                foreach (var issue in dc.Issues.Take(50)) Console.Error.WriteLine($"  {issue}");
            }
            return Failure;
        }
    }

    internal static bool IsUserError(Exception e) => e is ConfigException or Weights.WeightsException or FileNotFoundException or DirectoryNotFoundException
        or InvalidDataException or DataCheckException or ArgumentException or StateDictException or ImageException
        or ExternalException or UnauthorizedAccessException or IOException;
}
