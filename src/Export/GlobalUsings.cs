global using ScalarType = TorchSharp.torch.ScalarType;
global using Tensor = TorchSharp.torch.Tensor;
global using TorchSharp;
global using TorchSharp.Modules;
global using static TorchSharp.torch;
global using SsdLite.Platform;
