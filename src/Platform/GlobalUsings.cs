global using ScalarType = TorchSharp.torch.ScalarType;
global using Tensor = TorchSharp.torch.Tensor;
