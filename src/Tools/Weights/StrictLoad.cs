using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Core;

namespace SsdLite.Tools.Weights;

/// <summary>
/// The check a published file without a pinned hash gets after download: it must load strictly as its architecture.
/// A detector fills every tensor of the reference detector of its class count, none left over; a backbone fills every
/// tensor of base_net.
/// </summary>
public static class StrictLoad
{
    /// <summary>Null when <paramref name="path"/> loads strictly as <paramref name="weights"/>' architecture; else the problem.</summary>
    public static string? Check(PublishedWeights weights, string path)
    {
        ArgumentNullException.ThrowIfNull(weights);
        try
        {
            using var file = ModelWeights.Read(path);
            return weights.Kind == PublishedKind.Detector ? CheckDetector(weights.Arch, file) : CheckBackbone(weights.Arch, file);
        }
        catch (Exception e) when (e is InvalidDataException or StateDictException or IOException or NotSupportedException or ArgumentException)
        {
            return e.Message;
        }
    }

    private static string? CheckDetector(SsdArch arch, ModelWeights file)
    {
        var theirs = file.Format == WeightsFormat.SsdLiteCheckpoint ? file.Config!.Arch : file.ReferenceArch();
        if (theirs != arch) return $"its keys are those of {theirs?.Name() ?? "no known detector"}";
        var classes = file.Format == WeightsFormat.SsdLiteCheckpoint ? file.Config!.ClassNames.Count : file.ReferenceObjectClassCount();
        var config = file.Config ?? new SsdLiteConfig(Enumerable.Range(1, classes).Select(i => $"class{i}").ToList(), file.ReferenceWidth(), arch: arch);
        using var model = new SsdLiteModel(config);
        file.LoadInto(model, strict: true);
        return null;
    }

    private static string? CheckBackbone(SsdArch arch, ModelWeights file)
    {
        if (file.Format is not (WeightsFormat.TorchvisionPth or WeightsFormat.BaseNetPth)) return $"it is a {file.Format} file, not a backbone";
        using var model = new SsdLiteModel(new SsdLiteConfig(["object"], arch: arch));
        var baseNet = model.state_dict().Keys.Where(k => k.StartsWith("base_net.", StringComparison.Ordinal)).ToHashSet();
        var theirs = file.BaseNetTensors();
        var foreign = theirs.Select(kv => kv.Key).Where(k => !baseNet.Contains(k)).ToList();
        if (foreign.Count > 0) return $"{foreign.Count} of its tensors have no place in the base net, e.g. {foreign[0]}";
        var result = model.load_state_dict(theirs.ToDictionary(kv => kv.Key, kv => kv.Value), strict: false);
        var missing = result.missing_keys.Where(baseNet.Contains).ToList();
        return missing.Count > 0 ? $"{missing.Count} base_net tensors are missing from it, e.g. {missing[0]}" : null;
    }
}
