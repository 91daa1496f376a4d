global using TorchSharp;
global using TorchSharp.Modules;
global using static TorchSharp.torch;
global using F = TorchSharp.torch.nn.functional;
global using SsdLite.Platform.Engine;
