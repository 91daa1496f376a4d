using SsdLite.Data;

namespace SsdLite.Data.Tests;

public sealed class LabelsTests
{
    [Fact]
    public void DefaultIsTheTwentyVocClassesInStandardOrder()
    {
        Labels voc = Labels.Voc;
        Assert.Equal(20, voc.ObjectClassCount);
        Assert.Equal(21, voc.ClassCountWithBackground);
        Assert.Equal("aeroplane", voc.NameOf(1));
        Assert.Equal("bicycle", voc.NameOf(2));
        Assert.Equal("diningtable", voc.NameOf(11));
        Assert.Equal("person", voc.NameOf(15));
        Assert.Equal("tvmonitor", voc.NameOf(20));
        Assert.Equal("BACKGROUND", voc.NameOf(0));
    }

    [Theory]
    [InlineData("cat\ndog\nbird")]
    [InlineData("cat\ndog\nbird\n")]
    [InlineData("cat\r\ndog\r\nbird\r\n")]
    [InlineData("\n\ncat\n\n  dog  \n\tbird\t\n\n\n")]
    [InlineData("BACKGROUND\ncat\ndog\nbird\n")]
    [InlineData("background\ncat\ndog\nbird")]
    [InlineData("cat,dog,bird")]
    [InlineData(" cat , dog ,bird,\n")]
    [InlineData("BACKGROUND,cat,dog,bird")]
    [InlineData("\uFEFFcat\ndog\nbird\n")]
    public void SpacingBackgroundAndSeparatorsNeverChangeTheClassCount(string text)
    {
        Labels labels = Labels.Parse(text, "labels.txt");
        Assert.Equal(["cat", "dog", "bird"], labels.Names);
        Assert.Equal(4, labels.ClassCountWithBackground);
        Assert.True(labels.TryGetId("dog", out int dog));
        Assert.Equal(2, dog);
    }

    [Fact]
    public void LookupIgnoresCaseAndSurroundingSpace()
    {
        Labels labels = Labels.Parse("cat\ndog", "l.txt");
        Assert.True(labels.TryGetId(" Dog ", out int id));
        Assert.Equal(2, id);
        Assert.False(labels.TryGetId("horse", out _));
    }

    [Fact]
    public void DuplicateIsAnErrorNamingTheFileAndLines()
    {
        var e = Assert.Throws<InvalidDataException>(() => Labels.Parse("cat\ndog\n\ncat\n", "/data/labels.txt"));
        Assert.Equal("/data/labels.txt: line 4: duplicate class name 'cat' (first on line 1)", e.Message);
    }

    [Fact]
    public void DuplicateDifferingOnlyInCaseIsAnError()
    {
        var e = Assert.Throws<InvalidDataException>(() => Labels.Parse("cat,Cat", "x.txt"));
        Assert.Equal("x.txt: line 1: duplicate class name 'Cat' (first on line 1)", e.Message);
    }

    [Fact]
    public void BackgroundAnywhereButFirstIsAnError()
    {
        var e = Assert.Throws<InvalidDataException>(() => Labels.Parse("cat\nBACKGROUND\n", "x.txt"));
        Assert.Equal("x.txt: line 2: 'BACKGROUND' is reserved for class 0 and may only be the first entry", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n \n")]
    [InlineData("BACKGROUND\n")]
    public void NoNamesIsAnError(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => Labels.Parse(text, "empty.txt"));
        Assert.Equal("empty.txt: no class names", e.Message);
    }

    [Fact]
    public void LoadReadsAFileAndNamesItAsSource()
    {
        string path = Path.Combine(Path.GetTempPath(), $"labels-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "BACKGROUND\nperson\ncar\n");
        try
        {
            Labels labels = Labels.Load(path);
            Assert.Equal(path, labels.Source);
            Assert.Equal(["person", "car"], labels.Names);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadOfAMissingFileNamesIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Labels.Load("/nowhere/labels.txt"));
        Assert.Equal("labels file not found: /nowhere/labels.txt", e.Message);
    }

    [Fact]
    public void NameOfRejectsIdsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Labels.Voc.NameOf(21));
        Assert.Throws<ArgumentOutOfRangeException>(() => Labels.Voc.NameOf(-1));
    }
}
