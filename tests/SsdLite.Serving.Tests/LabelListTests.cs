using SsdLite.Data;

namespace SsdLite.Serving.Tests;

/// <summary>The service's torch-free labels reader reads every form SsdLite.Data.Labels reads, to the same names.</summary>
public sealed class LabelListTests
{
    [Theory]
    [InlineData("BACKGROUND\\ncat\\ndog\\n")]
    [InlineData("cat,dog")]
    [InlineData("  cat \\r\\n\\r\\n dog \\n\\n")]
    [InlineData("background, cat, dog")]
    public void ReadsAsDataLabelsDoes(string escaped)
    {
        using var temp = new TempFolder("labels");
        var path = temp["labels.txt"];
        File.WriteAllText(path, escaped.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\r", "\r", StringComparison.Ordinal));
        Assert.Equal(Labels.Load(path).Names, LabelList.Read(path));
        Assert.Equal(["cat", "dog"], LabelList.Read(path));
    }

    [Fact]
    public void ADuplicateOrAnEmptyFileIsNamed()
    {
        using var temp = new TempFolder("labels");
        File.WriteAllText(temp["twice.txt"], "cat\nCat\n");
        Assert.Contains("'cat'", Assert.Throws<InvalidDataException>(() => LabelList.Read(temp["twice.txt"])).Message, StringComparison.OrdinalIgnoreCase);
        File.WriteAllText(temp["empty.txt"], "\n\n");
        Assert.Contains("empty.txt", Assert.Throws<InvalidDataException>(() => LabelList.Read(temp["empty.txt"])).Message);
    }
}
