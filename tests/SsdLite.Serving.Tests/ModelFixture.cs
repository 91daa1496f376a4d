using System.Text.Json.Nodes;
using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Export;
using SsdLite.Runtime;

namespace SsdLite.Serving.Tests;

/// <summary>
/// The trained c7 oracle exported to ONNX once per run, and the reference every answer is compared with: what
/// <c>ssdlite detect --runtime onnx</c> writes for the same images at the same threshold.
/// </summary>
public sealed class ModelFixture : IDisposable
{
    /// <summary>The threshold of every comparison: low enough that the oracle image has a dozen detections.</summary>
    public const string Threshold = "0.1";

    private readonly TempFolder temp = new("serving-model");
    private readonly Lazy<IReadOnlyDictionary<string, JsonObject>> reference;

    public ModelFixture()
    {
        OnnxPath = temp["c7.onnx"];
        var labels = Labels.Load(TestData.Oracle("labels-c7.txt")).Names;
        using var model = Detector.LoadModel(TestData.Oracle("trained-c7.pth"), labels);
        OnnxExporter.Export(model, OnnxPath, new OnnxExportOptions { WriteLabels = false });
        reference = new(RunDetect);
    }

    public string OnnxPath { get; }

    public string Folder => temp.Path;

    /// <summary>detect's entry for each image, by file name.</summary>
    public IReadOnlyDictionary<string, JsonObject> Reference => reference.Value;

    /// <summary>A fresh session on the exported model, named c7; the server's owner disposes it.</summary>
    public ServedModel Open() => new("c7", OnnxDetector.Load(OnnxPath), OnnxPath);

    private Dictionary<string, JsonObject> RunDetect()
    {
        var json = temp["detect.json"];
        var (code, _, error) = TestData.RunSsdlite(["detect", "--runtime", "onnx", "--weights", OnnxPath, "--score-threshold", Threshold,
            "--json", json, .. TestData.Images()]);
        Assert.True(code == 0, error);
        var entries = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        Assert.Equal(TestData.Images().Count, entries.Count);
        return entries.Select(e => e!.AsObject()).ToDictionary(e => Path.GetFileName(e["image"]!.GetValue<string>()));
    }

    public void Dispose() => temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "served model";
}
