global using TorchSharp;
global using TorchSharp.Modules;
global using static TorchSharp.torch;
global using SsdLite.Platform.Engine;
global using SsdLite.Platform.Checkpoints;
global using SsdLite.Platform;
