namespace SsdLite.Export;

/// <summary>What <see cref="OnnxExporter.Export"/> wrote.</summary>
public sealed record OnnxExportResult(string ModelPath, string? LabelsPath, int Opset, int InputSize, int? BatchSize, int PriorCount, int ClassCountWithBackground,
    long Bytes);
