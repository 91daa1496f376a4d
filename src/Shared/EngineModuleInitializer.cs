using System.Runtime.CompilerServices;
using SsdLite.Platform.Engine;

namespace SsdLite.Shared;

/// <summary>
/// Linked into every SsdLite assembly (Directory.Build.props): the engine is prepared before any code of the
/// assembly runs, so no entry point can create a tensor first.
/// </summary>
internal static class EngineModuleInitializer
{
#pragma warning disable CA2255 // a library initialising its native engine is what module initializers are for
    [ModuleInitializer]
    internal static void Initialize() => TorchEngine.EnsureInitialized();
#pragma warning restore CA2255
}
