namespace SsdLite.Export.Triton;

/// <summary>What <see cref="TritonRepository.WriteConfig"/> wrote, and the tensors it declared.</summary>
public sealed record TritonRepositoryResult(string ModelFolder, string ConfigPath, string ModelPath, string LabelsPath,
    IReadOnlyList<TritonTensor> Inputs, IReadOnlyList<TritonTensor> Outputs);
