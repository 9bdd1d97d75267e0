<#
.SYNOPSIS
    Generates the MAML help file of the VirtCompliance cmdlets from the compiled module assembly
    and the XML documentation the C# compiler writes next to it.
.DESCRIPTION
    Cmdlet metadata (verb, noun, parameter sets, parameter types, Mandatory, Position, pipeline
    binding, aliases, [OutputType], SupportsShouldProcess) is read from the assembly by reflection;
    the text comes from the XML documentation:

        class     <summary><para type="synopsis">...</para><para type="description">...</para></summary>
                  <example><code>...</code><para>...</para></example>   (one or more)
                  <remarks>...</remarks>                               (optional: NOTES)
                  <seealso cref="..."/>                                (optional: RELATED LINKS)
        property  <summary><para type="description">...</para></summary>

    A parameter declared on a base class is documented on that class (P:Namespace.BaseClass.Name).
    The output is the standard PowerShell MAML command help (<helpItems schema="maml">), one
    command:command element per cmdlet, written atomically (temporary file, then rename) as UTF-8.
    Missing documentation is reported with a warning; missing input files stop the script with an error.

    Runs on PowerShell 7 and Windows PowerShell 5.1. The assembly is loaded into the running process;
    if an assembly with the same name is loaded already (a second build in the same session, or the
    module imported), it cannot be reloaded, so the script runs itself again in a fresh process.
.PARAMETER AssemblyPath
    The compiled module assembly (VirtCompliance.PowerShell.dll).
.PARAMETER XmlDocPath
    The compiler's XML documentation file for the assembly. Default: the assembly path with .xml.
.PARAMETER OutputPath
    The help file to write; PowerShell looks for <assembly file name>-Help.xml in a culture folder
    (en-US) of the module. The folder is created if missing.
.PARAMETER AboutTopic
    The conceptual help topic every cmdlet links to.
.EXAMPLE
    ./New-MamlHelp.ps1 -AssemblyPath bin/Release/netstandard2.0/VirtCompliance.PowerShell.dll -OutputPath ../../out/VirtCompliance/en-US/VirtCompliance.PowerShell.dll-Help.xml
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateNotNullOrEmpty()]
    [string] $AssemblyPath,

    [string] $XmlDocPath,

    [Parameter(Mandatory = $true)]
    [ValidateNotNullOrEmpty()]
    [string] $OutputPath,

    [ValidateNotNullOrEmpty()]
    [string] $AboutTopic = 'about_VirtCompliance',

    # Set when the script has started itself in a new process; it then never starts another.
    [Parameter(DontShow = $true)]
    [switch] $InFreshProcess
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$MsHelpNs = 'http://msdn.microsoft.com/mshelp'
$AllSets = [System.Management.Automation.ParameterAttribute]::AllParameterSets
$script:WarningPrefix = 'New-MamlHelp'

#region Input checks

$AssemblyPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($AssemblyPath)
if (-not $XmlDocPath) { $XmlDocPath = [System.IO.Path]::ChangeExtension($AssemblyPath, '.xml') }
$XmlDocPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($XmlDocPath)
$OutputPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)

if (-not (Test-Path -LiteralPath $AssemblyPath -PathType Leaf)) {
    throw "New-MamlHelp: the module assembly '$AssemblyPath' does not exist. Build the project first (dotnet build -c Release, or ./build.ps1 Build)."
}
if (-not (Test-Path -LiteralPath $XmlDocPath -PathType Leaf)) {
    throw "New-MamlHelp: the XML documentation file '$XmlDocPath' does not exist. The compiler writes it when GenerateDocumentationFile is true (Directory.Build.props); rebuild the project."
}
if (Test-Path -LiteralPath $OutputPath -PathType Container) {
    throw "New-MamlHelp: the output path '$OutputPath' is a folder; give the help file's path (en-US/$([System.IO.Path]::GetFileName($AssemblyPath))-Help.xml)."
}
$expectedHelpName = [System.IO.Path]::GetFileName($AssemblyPath) + '-Help.xml'
if ([System.IO.Path]::GetFileName($OutputPath) -ne $expectedHelpName) {
    Write-Warning "${script:WarningPrefix}: PowerShell looks for the help of the cmdlets in '$expectedHelpName'; '$OutputPath' will not be found by Get-Help."
}

try {
    $assemblyName = [System.Reflection.AssemblyName]::GetAssemblyName($AssemblyPath)
}
catch {
    throw "New-MamlHelp: '$AssemblyPath' is not a .NET assembly: $($_.Exception.Message)"
}

#endregion

#region A fresh process when the assembly cannot be (re)loaded here

function Get-PowerShellCommandLine {
    # The program (and leading arguments) that start this same PowerShell: pwsh, powershell.exe,
    # or 'dotnet pwsh.dll' when PowerShell runs as a .NET tool.
    $process = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $leaf = [System.IO.Path]::GetFileNameWithoutExtension($process)
    if ($leaf -in 'pwsh', 'powershell') { return , @($process) }
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if ($leaf -eq 'dotnet' -and (Test-Path -LiteralPath $dll -PathType Leaf)) { return , @($process, $dll) }
    foreach ($name in 'pwsh.exe', 'pwsh', 'powershell.exe') {
        $candidate = Join-Path $PSHOME $name
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { return , @($candidate) }
    }
    throw "New-MamlHelp: cannot find the PowerShell executable in '$PSHOME' to run the help generator in a fresh process."
}

$loadedAlready = @([System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $assemblyName.Name })
if ($loadedAlready.Count -gt 0) {
    if ($InFreshProcess) {
        throw "New-MamlHelp: an assembly named '$($assemblyName.Name)' is loaded already even in a fresh PowerShell process; cannot read '$AssemblyPath'."
    }
    Write-Verbose "An assembly named '$($assemblyName.Name)' is loaded in this process already; running the generator in a fresh PowerShell process so that the help describes '$AssemblyPath'."
    $commandLine = Get-PowerShellCommandLine
    $program = $commandLine[0]
    $programArgs = @($commandLine | Select-Object -Skip 1) + @(
        '-NoProfile', '-NonInteractive', '-File', $PSCommandPath,
        '-AssemblyPath', $AssemblyPath, '-XmlDocPath', $XmlDocPath, '-OutputPath', $OutputPath,
        '-AboutTopic', $AboutTopic, '-InFreshProcess')
    if ($VerbosePreference -ne 'SilentlyContinue') { $programArgs += '-Verbose' }
    & $program @programArgs
    if ($LASTEXITCODE -ne 0) { throw "New-MamlHelp: generating the help in a fresh PowerShell process failed (exit code $LASTEXITCODE)." }
    return
}

#endregion

#region XML documentation

$docXml = New-Object System.Xml.XmlDocument
$docXml.PreserveWhitespace = $true
try {
    $docXml.Load($XmlDocPath)
}
catch {
    throw "New-MamlHelp: the XML documentation file '$XmlDocPath' is not valid XML: $($_.Exception.Message)"
}
$docAssemblyName = $docXml.SelectSingleNode('/doc/assembly/name')
if ($null -ne $docAssemblyName -and $docAssemblyName.InnerText.Trim() -ne $assemblyName.Name) {
    throw "New-MamlHelp: '$XmlDocPath' documents the assembly '$($docAssemblyName.InnerText.Trim())', not '$($assemblyName.Name)'."
}
$docMembers = New-Object 'System.Collections.Generic.Dictionary[string, System.Xml.XmlElement]' ([System.StringComparer]::Ordinal)
foreach ($member in $docXml.SelectNodes('/doc/members/member')) {
    $docMembers[$member.GetAttribute('name')] = $member
}

# Documentation of the assemblies next to the module assembly (VirtCompliance.Core.xml), for output types.
$siblingDocs = @{}
function Get-TypeSummarySentence([type] $Type) {
    $location = $Type.Assembly.Location
    if (-not $location -or [System.IO.Path]::GetDirectoryName($location) -ne [System.IO.Path]::GetDirectoryName($AssemblyPath)) { return $null }
    $xmlPath = [System.IO.Path]::ChangeExtension($location, '.xml')
    if (-not $siblingDocs.ContainsKey($xmlPath)) {
        $siblingDocs[$xmlPath] = $null
        if (Test-Path -LiteralPath $xmlPath -PathType Leaf) {
            try { $d = New-Object System.Xml.XmlDocument; $d.Load($xmlPath); $siblingDocs[$xmlPath] = $d } catch { Write-Verbose "Ignoring '$xmlPath': $($_.Exception.Message)" }
        }
    }
    $d = $siblingDocs[$xmlPath]
    if ($null -eq $d) { return $null }
    $summary = $d.SelectSingleNode("/doc/members/member[@name='T:$(Get-DocTypeName $Type)']/summary")
    if ($null -eq $summary) { return $null }
    $text = Get-InlineText $summary
    # The first sentence: type summaries go on to describe the implementation.
    $m = [regex]::Match($text, '^.*?[.!?](?=\s+[A-Z]|$)')
    if ($m.Success) { return $m.Value }
    return $text
}

function Get-DocTypeName([type] $Type) {
    # The XML documentation names nested types with '.', not '+', and a generic base class by its
    # definition (RepairControlDriftCommandBase`1), whatever its type argument.
    if ($Type.IsGenericType) { $Type = $Type.GetGenericTypeDefinition() }
    return $Type.FullName.Replace('+', '.')
}

function Get-CrefText([string] $Cref) {
    $kind = ''
    $name = $Cref
    if ($Cref -match '^([A-Z]):(.*)$') { $kind = $Matches[1]; $name = $Matches[2] }
    if ($kind -eq 'T' -and $script:CmdletNamesByDocName -and $script:CmdletNamesByDocName.ContainsKey($name)) {
        return $script:CmdletNamesByDocName[$name]
    }
    $name = $name -replace '\(.*\)$', '' -replace '``?\d+', '' -replace '#ctor$', 'new'
    $parts = $name.Split('.')
    if ($kind -in 'M', 'P', 'F', 'E' -and $parts.Count -ge 2) { return $parts[-2] + '.' + $parts[-1] }
    return $parts[-1]
}

function Get-InlineText([System.Xml.XmlNode] $Node, [switch] $KeepWhitespace) {
    # The text of a documentation node as a reader sees it; whitespace collapsed unless kept.
    $sb = New-Object System.Text.StringBuilder
    foreach ($child in $Node.ChildNodes) {
        if ($child -is [System.Xml.XmlText] -or $child -is [System.Xml.XmlCDataSection] -or $child -is [System.Xml.XmlWhitespace] -or $child -is [System.Xml.XmlSignificantWhitespace]) {
            [void] $sb.Append($child.Value)
        }
        elseif ($child -is [System.Xml.XmlElement]) {
            $local = $child.LocalName
            if ($local -eq 'see' -or $local -eq 'seealso') {
                if ($child.InnerText.Trim()) { [void] $sb.Append((Get-InlineText $child)) }
                elseif ($child.HasAttribute('cref')) { [void] $sb.Append((Get-CrefText $child.GetAttribute('cref'))) }
                elseif ($child.HasAttribute('langword')) { [void] $sb.Append($child.GetAttribute('langword')) }
                elseif ($child.HasAttribute('href')) { [void] $sb.Append($child.GetAttribute('href')) }
            }
            elseif ($local -eq 'paramref' -or $local -eq 'typeparamref') { [void] $sb.Append($child.GetAttribute('name')) }
            elseif ($local -eq 'br') { [void] $sb.Append("`n") }
            elseif ($local -eq 'para' -or $local -eq 'item') { [void] $sb.Append(' ').Append((Get-InlineText $child -KeepWhitespace:$KeepWhitespace)).Append(' ') }
            else { [void] $sb.Append((Get-InlineText $child -KeepWhitespace:$KeepWhitespace)) }
        }
    }
    $text = $sb.ToString()
    if ($KeepWhitespace) { return $text }
    return ($text -replace '\s+', ' ').Trim()
}

function Format-Code([string] $Text) {
    # Code keeps its lines; the indentation the comment added is removed.
    $lines = New-Object System.Collections.Generic.List[string]
    foreach ($line in ($Text -replace "`r`n?", "`n").Split("`n")) { $lines.Add($line.TrimEnd()) }
    while ($lines.Count -gt 0 -and -not $lines[0].Trim()) { $lines.RemoveAt(0) }
    while ($lines.Count -gt 0 -and -not $lines[$lines.Count - 1].Trim()) { $lines.RemoveAt($lines.Count - 1) }
    $indent = [int]::MaxValue
    foreach ($line in $lines) {
        if ($line.Trim()) { $indent = [Math]::Min($indent, $line.Length - $line.TrimStart().Length) }
    }
    if ($indent -eq [int]::MaxValue) { $indent = 0 }
    $out = foreach ($line in $lines) { if ($line.Length -ge $indent) { $line.Substring($indent) } else { '' } }
    return (@($out) -join "`n")
}

function Get-TypedParagraphs([System.Xml.XmlNode] $Node, [string] $Type) {
    $result = New-Object System.Collections.Generic.List[string]
    if ($null -eq $Node) { return , $result }
    foreach ($para in $Node.SelectNodes('para')) {
        if ($para.GetAttribute('type') -eq $Type) {
            $text = Get-InlineText $para
            if ($text) { $result.Add($text) }
        }
    }
    return , $result
}

function Get-Paragraphs([System.Xml.XmlNode] $Node, [switch] $SkipCode) {
    # Paragraphs of free documentation text: each untyped <para>, each list item, each code block,
    # and the running text between them. Typed paras (synopsis, description) are not included.
    $result = New-Object System.Collections.Generic.List[string]
    if ($null -eq $Node) { return , $result }
    $pending = New-Object System.Text.StringBuilder
    $flush = {
        $t = ($pending.ToString() -replace '\s+', ' ').Trim()
        if ($t) { $result.Add($t) }
        [void] $pending.Clear()
    }
    foreach ($child in $Node.ChildNodes) {
        if ($child -is [System.Xml.XmlElement] -and $child.LocalName -eq 'para') {
            . $flush
            if (-not $child.GetAttribute('type')) {
                foreach ($p in (Get-Paragraphs $child -SkipCode:$SkipCode)) { $result.Add($p) }
            }
        }
        elseif ($child -is [System.Xml.XmlElement] -and $child.LocalName -eq 'list') {
            . $flush
            foreach ($item in $child.SelectNodes('item')) {
                $term = $item.SelectSingleNode('term')
                $description = $item.SelectSingleNode('description')
                $text = if ($null -ne $term -and $null -ne $description) { (Get-InlineText $term) + ': ' + (Get-InlineText $description) } else { Get-InlineText $item }
                if ($text) { $result.Add('- ' + $text) }
            }
        }
        elseif ($child -is [System.Xml.XmlElement] -and $child.LocalName -eq 'code') {
            . $flush
            if (-not $SkipCode) {
                $code = Format-Code $child.InnerText
                if ($code) { $result.Add($code) }
            }
        }
        elseif ($child -is [System.Xml.XmlElement] -and $child.LocalName -in 'example', 'summary', 'remarks', 'seealso') {
            . $flush
        }
        else {
            $wrapper = $docXml.CreateElement('x')
            [void] $wrapper.AppendChild($child.CloneNode($true))
            [void] $pending.Append((Get-InlineText $wrapper -KeepWhitespace))
        }
    }
    . $flush
    return , $result
}

function Get-DocMember([string] $Name) {
    $m = $null
    if ($docMembers.TryGetValue($Name, [ref] $m)) { return $m }
    return $null
}

function Test-InheritDoc([System.Xml.XmlElement] $Member) {
    return $null -ne $Member -and $null -ne $Member.SelectSingleNode('inheritdoc') -and $null -eq $Member.SelectSingleNode('summary')
}

#endregion

#region Reflection

try {
    $assembly = [System.Reflection.Assembly]::LoadFrom($AssemblyPath)
}
catch {
    throw "New-MamlHelp: cannot load '$AssemblyPath': $($_.Exception.Message)"
}
try {
    $types = $assembly.GetTypes()
}
catch [System.Reflection.ReflectionTypeLoadException] {
    $reasons = @($_.Exception.LoaderExceptions | Where-Object { $_ } | ForEach-Object { $_.Message } | Select-Object -Unique) -join '; '
    throw "New-MamlHelp: cannot read the types of '$AssemblyPath' (is a dependency missing from its folder?): $reasons"
}

$cmdletTypes = @($types | Where-Object {
        $_.IsPublic -and $_.IsClass -and -not $_.IsAbstract -and
        $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).Length -gt 0
    })
if ($cmdletTypes.Count -eq 0) {
    throw "New-MamlHelp: '$AssemblyPath' contains no public class with [Cmdlet]; nothing to document. (If it references a different System.Management.Automation than this PowerShell, the attribute is not recognised.)"
}

function Get-TypeDisplayName([type] $Type, [switch] $Full) {
    # How help shows a type: String[], SwitchParameter, Inventory (or the full name for dev:type).
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType() -Full:$Full) + '[]' }
    $nullable = [System.Nullable]::GetUnderlyingType($Type)
    if ($null -ne $nullable) { return Get-TypeDisplayName $nullable -Full:$Full }
    $name = if ($Full -and $Type.Namespace) { $Type.Namespace + '.' + $Type.Name } else { $Type.Name }
    if ($Type.IsNested -and $Full) { $name = (Get-TypeDisplayName $Type.DeclaringType -Full) + '+' + $Type.Name }
    if ($Type.IsGenericType) {
        $name = $name -replace '`\d+$', ''
        $arguments = @($Type.GetGenericArguments() | ForEach-Object { Get-TypeDisplayName $_ -Full:$Full }) -join ', '
        $name = "$name[$arguments]"
    }
    return $name
}

function Get-InheritanceDepth([type] $Type) {
    $depth = 0
    for ($t = $Type.BaseType; $null -ne $t; $t = $t.BaseType) { $depth++ }
    return $depth
}

function Get-ParameterDescription([System.Reflection.PropertyInfo] $Property, [string] $CmdletName) {
    # The documentation of the property where it is declared, or of a base class it overrides.
    for ($t = $Property.DeclaringType; $null -ne $t -and $t -ne [object]; $t = $t.BaseType) {
        $key = 'P:' + (Get-DocTypeName $t) + '.' + $Property.Name
        $member = Get-DocMember $key
        if ($null -eq $member -or (Test-InheritDoc $member)) { continue }
        $summary = $member.SelectSingleNode('summary')
        $paras = Get-TypedParagraphs $summary 'description'
        if ($paras.Count -eq 0) { $paras = Get-Paragraphs $summary }
        if ($paras.Count -gt 0) { return , $paras }
    }
    return , (New-Object System.Collections.Generic.List[string])
}

function Get-DefaultValueText([object] $Instance, [System.Reflection.PropertyInfo] $Property) {
    if ($null -eq $Instance) { return 'None' }
    try { $value = $Property.GetValue($Instance, $null) } catch { return 'None' }
    if ($null -eq $value) { return 'None' }
    if ($value -is [System.Management.Automation.SwitchParameter]) { return [string] $value.IsPresent }
    if ($value -is [array]) { if ($value.Length -eq 0) { return 'None' } return (@($value | ForEach-Object { [string] $_ }) -join ', ') }
    $text = [string] $value
    if ($text -eq '') { return 'None' }
    return $text
}

function Get-CmdletParameters([type] $Type, [string] $CmdletName) {
    $instance = $null
    try { $instance = [System.Activator]::CreateInstance($Type) } catch { Write-Verbose "${CmdletName}: cannot create an instance to read default values: $($_.Exception.Message)" }
    $found = foreach ($property in $Type.GetProperties([System.Reflection.BindingFlags]'Public, Instance')) {
        $attributes = @([System.Attribute]::GetCustomAttributes($property, [System.Management.Automation.ParameterAttribute], $true))
        if ($attributes.Count -eq 0) { continue }
        $aliases = @([System.Attribute]::GetCustomAttributes($property, [System.Management.Automation.AliasAttribute], $true) |
                ForEach-Object { $_.AliasNames })
        $validValues = @([System.Attribute]::GetCustomAttributes($property, [System.Management.Automation.ValidateSetAttribute], $true) |
                ForEach-Object { $_.ValidValues })
        $valueType = $property.PropertyType
        if ($valueType.IsArray) { $valueType = $valueType.GetElementType() }
        $underlying = [System.Nullable]::GetUnderlyingType($valueType)
        if ($null -ne $underlying) { $valueType = $underlying }
        if ($validValues.Count -eq 0 -and $valueType.IsEnum) { $validValues = [System.Enum]::GetNames($valueType) }
        $description = Get-ParameterDescription $property $CmdletName
        if ($description.Count -eq 0) {
            $helpMessages = @($attributes | Where-Object { $_.HelpMessage } | ForEach-Object { $_.HelpMessage } | Select-Object -Unique)
            foreach ($m in $helpMessages) { $description.Add($m) }
        }
        if ($description.Count -eq 0) {
            Write-Warning "${script:WarningPrefix}: ${CmdletName}: parameter -$($property.Name) has no description (<summary><para type=""description"">...</para></summary> on P:$(Get-DocTypeName $property.DeclaringType).$($property.Name))."
        }
        $wildcards = [System.Attribute]::GetCustomAttributes($property, [System.Management.Automation.SupportsWildcardsAttribute], $true).Length -gt 0 -or
            (($description -join ' ') -match '(?i)\bwildcards?\s+(are\s+)?(allowed|accepted|supported)|\b(accepts|allows|supports)\s+wildcards?')
        [pscustomobject]@{
            Name          = $property.Name
            Type          = $property.PropertyType
            TypeName      = Get-TypeDisplayName $property.PropertyType
            FullTypeName  = Get-TypeDisplayName $property.PropertyType -Full
            IsSwitch      = $property.PropertyType -eq [System.Management.Automation.SwitchParameter]
            IsArray       = $property.PropertyType.IsArray
            Attributes    = $attributes
            Aliases       = $aliases
            ValidValues   = $validValues
            Description   = $description
            Globbing      = [bool] $wildcards
            DefaultValue  = Get-DefaultValueText $instance $property
            Depth         = Get-InheritanceDepth $property.DeclaringType
            Token         = $property.MetadataToken
        }
    }
    # Declaration order, base class first: the order a reader of the code sees.
    return , @($found | Sort-Object -Property Depth, Token)
}

function Get-SetAttribute($Parameter, [string] $SetName) {
    # The [Parameter] that applies in a set: the one naming it, else the one for all sets.
    $named = @($Parameter.Attributes | Where-Object { $_.ParameterSetName -eq $SetName })
    if ($named.Count -gt 0) { return $named[0] }
    $all = @($Parameter.Attributes | Where-Object { $_.ParameterSetName -eq $AllSets })
    if ($all.Count -gt 0) { return $all[0] }
    return $null
}

function Format-Position([int] $Position) {
    if ($Position -eq [int]::MinValue) { return 'named' }
    return [string] $Position
}

function Format-PipelineInput([object[]] $Attributes) {
    $kinds = @()
    if (@($Attributes | Where-Object { $_.ValueFromPipelineByPropertyName }).Count -gt 0) { $kinds += 'ByPropertyName' }
    if (@($Attributes | Where-Object { $_.ValueFromPipeline }).Count -gt 0) { $kinds += 'ByValue' }
    if ($kinds.Count -eq 0) { return 'False' }
    return 'True (' + ($kinds -join ', ') + ')'
}

function New-CommonSwitch([string] $Name, [string] $Alias, [string] $Description) {
    [pscustomobject]@{
        Name = $Name; Type = [System.Management.Automation.SwitchParameter]; TypeName = 'SwitchParameter'
        FullTypeName = 'System.Management.Automation.SwitchParameter'; IsSwitch = $true; IsArray = $false
        Attributes = @(New-Object System.Management.Automation.ParameterAttribute); Aliases = @($Alias); ValidValues = @()
        Description = @($Description); Globbing = $false; DefaultValue = 'False'; Depth = [int]::MaxValue; Token = 0
    }
}

#endregion

#region Building the help model

$script:CmdletNamesByDocName = @{}
foreach ($type in $cmdletTypes) {
    $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    $script:CmdletNamesByDocName[(Get-DocTypeName $type)] = $attribute.VerbName + '-' + $attribute.NounName
}
$allCmdletNames = @($script:CmdletNamesByDocName.Values | Sort-Object)

# The documentation text of each cmdlet (class and parameters), to link cmdlets that name each other.
$script:HelpTextByCmdlet = @{}
foreach ($type in $cmdletTypes) {
    $texts = New-Object System.Collections.Generic.List[string]
    $m = Get-DocMember ('T:' + (Get-DocTypeName $type))
    if ($null -ne $m) { $texts.Add($m.InnerText) }
    foreach ($property in $type.GetProperties([System.Reflection.BindingFlags]'Public, Instance')) {
        $pm = Get-DocMember ('P:' + (Get-DocTypeName $property.DeclaringType) + '.' + $property.Name)
        if ($null -ne $pm) { $texts.Add($pm.InnerText) }
    }
    $script:HelpTextByCmdlet[$script:CmdletNamesByDocName[(Get-DocTypeName $type)]] = $texts -join "`n"
}

function Test-Mention([string] $Text, [string] $CmdletName) {
    return $Text -match ('(?i)(?<![\w-])' + [regex]::Escape($CmdletName) + '(?![\w-])')
}

function Split-NounWords([string] $Noun) {
    return @([regex]::Matches($Noun, '[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+') | ForEach-Object { $_.Value.ToLowerInvariant() })
}

$commands = foreach ($type in $cmdletTypes) {
    $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    $name = $attribute.VerbName + '-' + $attribute.NounName
    $docName = Get-DocTypeName $type
    $member = Get-DocMember ('T:' + $docName)
    $summary = if ($null -ne $member) { $member.SelectSingleNode('summary') } else { $null }
    if ($null -eq $member) {
        Write-Warning "${script:WarningPrefix}: ${name}: the class $docName has no XML documentation."
    }

    $synopsis = Get-TypedParagraphs $summary 'synopsis'
    $untyped = Get-Paragraphs $summary
    if ($synopsis.Count -eq 0) {
        if ($null -ne $member) { Write-Warning "${script:WarningPrefix}: ${name}: no <para type=""synopsis""> in the summary of $docName." }
        if ($untyped.Count -gt 0) { $synopsis.Add($untyped[0]) }
    }
    $description = Get-TypedParagraphs $summary 'description'
    if ($description.Count -eq 0) {
        if ($null -ne $member) { Write-Warning "${script:WarningPrefix}: ${name}: no <para type=""description""> in the summary of $docName." }
        foreach ($p in $untyped) { $description.Add($p) }
        if ($description.Count -eq 0) { foreach ($p in $synopsis) { $description.Add($p) } }
    }
    # Help that a cmdlet computes from data (Test-PciSeparation lists the rule registry), so it cannot fall behind.
    $appendix = $type.GetProperty('HelpDescriptionAppendix', [System.Reflection.BindingFlags] 'Public, Static')
    if ($null -ne $appendix) { foreach ($p in @($appendix.GetValue($null, $null))) { $description.Add([string] $p) } }

    $examples = New-Object System.Collections.Generic.List[object]
    if ($null -ne $member) {
        foreach ($example in $member.SelectNodes('example')) {
            $codes = @($example.SelectNodes('.//code') | ForEach-Object { Format-Code $_.InnerText } | Where-Object { $_ })
            $remarks = Get-Paragraphs $example -SkipCode
            if ($codes.Count -eq 0) {
                Write-Warning "${script:WarningPrefix}: ${name}: example $($examples.Count + 1) has no <code>."
            }
            $examples.Add([pscustomobject]@{ Code = ($codes -join "`n`n"); Remarks = $remarks })
        }
    }
    if ($examples.Count -eq 0) {
        Write-Warning "${script:WarningPrefix}: ${name}: no <example> in the documentation of $docName."
    }
    $notes = if ($null -ne $member) { Get-Paragraphs $member.SelectSingleNode('remarks') } else { New-Object System.Collections.Generic.List[string] }

    # Parameters, parameter sets and syntax.
    $parameters = Get-CmdletParameters $type $name
    $setNames = New-Object System.Collections.Generic.List[string]
    if ($attribute.DefaultParameterSetName) { $setNames.Add($attribute.DefaultParameterSetName) }
    foreach ($p in $parameters) {
        foreach ($a in $p.Attributes) {
            if ($a.ParameterSetName -ne $AllSets -and -not $setNames.Contains($a.ParameterSetName)) { $setNames.Add($a.ParameterSetName) }
        }
    }
    $explicitSets = @($parameters | ForEach-Object { $_.Attributes } | Where-Object { $_.ParameterSetName -ne $AllSets })
    if ($explicitSets.Count -eq 0) { $setNames.Clear(); $setNames.Add($AllSets) }

    $whatIf = $null; $confirm = $null
    if ($attribute.SupportsShouldProcess) {
        $whatIf = New-CommonSwitch 'WhatIf' 'wi' 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
        $confirm = New-CommonSwitch 'Confirm' 'cf' 'Prompts you for confirmation before running the cmdlet.'
    }

    $syntax = foreach ($set in $setNames) {
        $inSet = @(foreach ($p in $parameters) {
                $a = Get-SetAttribute $p $set
                if ($null -ne $a) {
                    [pscustomobject]@{ Parameter = $p; Attribute = $a; Positional = $a.Position -ne [int]::MinValue; Order = @($parameters).IndexOf($p) }
                }
            })
        # Positional parameters by position, then mandatory ones, then the rest in declaration order.
        $ordered = @($inSet | Where-Object Positional | Sort-Object { $_.Attribute.Position }) +
            @($inSet | Where-Object { -not $_.Positional -and $_.Attribute.Mandatory } | Sort-Object Order) +
            @($inSet | Where-Object { -not $_.Positional -and -not $_.Attribute.Mandatory } | Sort-Object Order)
        $items = @(foreach ($e in $ordered) {
                [pscustomobject]@{
                    Parameter     = $e.Parameter
                    Required      = if ($e.Attribute.Mandatory) { 'true' } else { 'false' }
                    Position      = Format-Position $e.Attribute.Position
                    PipelineInput = Format-PipelineInput @($e.Attribute)
                }
            })
        foreach ($common in @($whatIf, $confirm)) {
            if ($null -ne $common) { $items += [pscustomobject]@{ Parameter = $common; Required = 'false'; Position = 'named'; PipelineInput = 'False' } }
        }
        [pscustomobject]@{ Set = $set; Items = $items }
    }

    # The parameters section: in the order of the first syntax, then any others; one entry each.
    $listed = New-Object System.Collections.Generic.List[object]
    foreach ($s in $syntax) { foreach ($i in $s.Items) { if (-not $listed.Contains($i.Parameter) -and $i.Parameter -ne $whatIf -and $i.Parameter -ne $confirm) { $listed.Add($i.Parameter) } } }
    $parameterEntries = @(foreach ($p in $listed) {
            $perSet = @(foreach ($set in $setNames) {
                    $a = Get-SetAttribute $p $set
                    if ($null -ne $a) { [pscustomobject]@{ Set = $set; Required = if ($a.Mandatory) { 'true' } else { 'false' }; Position = Format-Position $a.Position } }
                })
            $required = @($perSet | ForEach-Object Required | Select-Object -Unique)
            $positions = @($perSet | ForEach-Object Position | Select-Object -Unique)
            if ($required.Count -gt 1) {
                # Get-Help reads Required? as a boolean: say in words where the parameter is mandatory.
                $mandatoryIn = @($perSet | Where-Object Required -eq 'true' | ForEach-Object Set)
                $optionalIn = @($perSet | Where-Object Required -eq 'false' | ForEach-Object Set)
                $p = $p.PSObject.Copy()
                $p.Description = @($p.Description) + @("Mandatory in the parameter set$(if ($mandatoryIn.Count -gt 1) { 's' }) $($mandatoryIn -join ', '); optional in $($optionalIn -join ', ').")
            }
            [pscustomobject]@{
                Parameter     = $p
                Required      = if ($required.Count -eq 1) { $required[0] } else { 'false' }
                Position      = if ($positions.Count -eq 1) { $positions[0] } else { (@($perSet | ForEach-Object { "$($_.Position) ($($_.Set))" }) -join ', ') }
                PipelineInput = Format-PipelineInput $p.Attributes
            }
        })
    foreach ($common in @($confirm, $whatIf)) {
        if ($null -ne $common) { $parameterEntries += [pscustomobject]@{ Parameter = $common; Required = 'false'; Position = 'named'; PipelineInput = 'False' } }
    }

    # Inputs: the types that bind from the pipeline, with the parameters they bind to.
    $inputs = New-Object System.Collections.Generic.List[object]
    foreach ($p in $parameters) {
        $byValue = @($p.Attributes | Where-Object { $_.ValueFromPipeline }).Count -gt 0
        $byName = @($p.Attributes | Where-Object { $_.ValueFromPipelineByPropertyName }).Count -gt 0
        if (-not ($byValue -or $byName)) { continue }
        # A collection parameter binds each piped item: the input type is the element type.
        $itemType = if ($p.Type.IsArray) { $p.Type.GetElementType() } else { $p.Type }
        $itemName = Get-TypeDisplayName $itemType
        $propertyNames = @(@($p.Name) + @($p.Aliases))
        $propertyText = if ($propertyNames.Count -gt 1) { 'named ' + ($propertyNames[0..($propertyNames.Count - 2)] -join ', ') + ' or ' + $propertyNames[-1] } else { 'named ' + $propertyNames[0] }
        $text = if ($byValue -and $byName) { "You can pipe $itemName values to -$($p.Name), or objects with a property $propertyText." }
        elseif ($byValue) { "You can pipe $itemName values to -$($p.Name)." }
        else { "-$($p.Name) takes its value from a property $propertyText of the objects you pipe." }
        $itemFullName = Get-TypeDisplayName $itemType -Full
        $existing = @($inputs | Where-Object { $_.TypeName -eq $itemFullName })
        if ($existing.Count -gt 0) { $existing[0].Description.Add($text) }
        else {
            $d = New-Object System.Collections.Generic.List[string]; $d.Add($text)
            $inputs.Add([pscustomobject]@{ TypeName = $itemFullName; Description = $d })
        }
    }
    if ($inputs.Count -eq 0) {
        $inputs.Add([pscustomobject]@{ TypeName = 'None'; Description = @("You cannot pipe objects to $name.") })
    }

    # Outputs: [OutputType].
    $outputs = New-Object System.Collections.Generic.List[object]
    foreach ($o in $type.GetCustomAttributes([System.Management.Automation.OutputTypeAttribute], $true)) {
        foreach ($psTypeName in $o.Type) {
            $outputTypeName = if ($null -ne $psTypeName.Type) { Get-TypeDisplayName $psTypeName.Type -Full } else { $psTypeName.Name }
            $d = New-Object System.Collections.Generic.List[string]
            if ($null -ne $psTypeName.Type) { $sentence = Get-TypeSummarySentence $psTypeName.Type; if ($sentence) { $d.Add($sentence) } }
            $sets = @($o.ParameterSetName | Where-Object { $_ -and $_ -ne $AllSets })
            if ($sets.Count -gt 0) { $d.Add('With the parameter set' + $(if ($sets.Count -gt 1) { 's' }) + ' ' + ($sets -join ', ') + '.') }
            $outputs.Add([pscustomobject]@{ TypeName = $outputTypeName; Description = $d })
        }
    }
    if ($outputs.Count -eq 0) {
        Write-Warning "${script:WarningPrefix}: ${name}: the class $docName has no [OutputType]."
        $outputs.Add([pscustomobject]@{ TypeName = 'None'; Description = @() })
    }

    # Related links: cmdlets of the module named in this help or sharing a noun word, then <seealso>, then the about topic.
    $words = Split-NounWords $attribute.NounName
    $related = New-Object System.Collections.Generic.List[object]
    foreach ($other in $allCmdletNames) {
        if ($other -eq $name) { continue }
        $otherWords = Split-NounWords ($other.Substring($other.IndexOf('-') + 1))
        $mentioned = (Test-Mention $script:HelpTextByCmdlet[$name] $other) -or (Test-Mention $script:HelpTextByCmdlet[$other] $name)
        $shared = @($otherWords | Where-Object { $words -contains $_ }).Count -gt 0
        if ($mentioned -or $shared) { $related.Add([pscustomobject]@{ Text = $other; Uri = '' }) }
    }
    if ($null -ne $member) {
        foreach ($see in $member.SelectNodes('seealso')) {
            $linkText = Get-InlineText $see
            if (-not $linkText -and $see.HasAttribute('cref')) { $linkText = Get-CrefText $see.GetAttribute('cref') }
            $uri = $see.GetAttribute('href')
            if (-not $linkText) { $linkText = $uri }
            if ($linkText -and -not @($related | Where-Object { $_.Text -eq $linkText })) { $related.Add([pscustomobject]@{ Text = $linkText; Uri = $uri }) }
        }
    }
    if (-not @($related | Where-Object { $_.Text -eq $AboutTopic })) { $related.Add([pscustomobject]@{ Text = $AboutTopic; Uri = '' }) }

    [pscustomobject]@{
        Name        = $name
        Verb        = $attribute.VerbName
        Noun        = $attribute.NounName
        Synopsis    = $synopsis
        Description = $description
        Syntax      = @($syntax)
        Parameters  = $parameterEntries
        Inputs      = $inputs
        Outputs     = $outputs
        Notes       = $notes
        Examples    = $examples
        Related     = $related
    }
}
$commands = @($commands | Sort-Object -Property Noun, Verb)

#endregion

#region Writing MAML

function ConvertTo-XmlText([string] $Text) {
    # Characters XML 1.0 cannot carry are dropped; the writer escapes the rest.
    if ($null -eq $Text) { return '' }
    return [regex]::Replace($Text, '[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\uD800-\uDFFF]', '')
}

function Write-TextElement([System.Xml.XmlWriter] $W, [string] $Prefix, [string] $Local, [string] $Ns, [string] $Text) {
    $W.WriteStartElement($Prefix, $Local, $Ns)
    $W.WriteString((ConvertTo-XmlText $Text))
    $W.WriteEndElement()
}

function Write-MamlDescription([System.Xml.XmlWriter] $W, [object[]] $Paragraphs) {
    $W.WriteStartElement('maml', 'description', $MamlNs)
    $any = $false
    foreach ($p in $Paragraphs) { if ($p) { Write-TextElement $W 'maml' 'para' $MamlNs $p; $any = $true } }
    if (-not $any) { $W.WriteStartElement('maml', 'para', $MamlNs); $W.WriteEndElement() }
    $W.WriteEndElement()
}

function Write-MamlType([System.Xml.XmlWriter] $W, [string] $TypeName) {
    $W.WriteStartElement('dev', 'type', $DevNs)
    Write-TextElement $W 'maml' 'name' $MamlNs $TypeName
    $W.WriteStartElement('maml', 'uri', $MamlNs); $W.WriteEndElement()
    $W.WriteEndElement()
}

# <command:inputTypes> and <command:returnValues> share one shape: a list of types with descriptions.
function Write-MamlTypeList([System.Xml.XmlWriter] $W, [string] $ListElement, [string] $ItemElement, $Items) {
    $W.WriteStartElement('command', $ListElement, $CommandNs)
    foreach ($item in $Items) {
        $W.WriteStartElement('command', $ItemElement, $CommandNs)
        Write-MamlType $W $item.TypeName
        Write-MamlDescription $W $item.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-MamlParameter([System.Xml.XmlWriter] $W, $Entry, [switch] $InSyntax) {
    $p = $Entry.Parameter
    $W.WriteStartElement('command', 'parameter', $CommandNs)
    $W.WriteAttributeString('required', $Entry.Required)
    $W.WriteAttributeString('variableLength', $(if ($p.IsArray) { 'true' } else { 'false' }))
    $W.WriteAttributeString('globbing', $(if ($p.Globbing) { 'true' } else { 'false' }))
    $W.WriteAttributeString('pipelineInput', $Entry.PipelineInput)
    $W.WriteAttributeString('position', $Entry.Position)
    $W.WriteAttributeString('aliases', $(if (@($p.Aliases).Count -gt 0) { (ConvertTo-XmlText (@($p.Aliases) -join ', ')) } else { 'none' }))
    Write-TextElement $W 'maml' 'name' $MamlNs $p.Name
    Write-MamlDescription $W $p.Description
    if ($InSyntax -and @($p.ValidValues).Count -gt 0) {
        $W.WriteStartElement('command', 'parameterValueGroup', $CommandNs)
        foreach ($v in $p.ValidValues) {
            $W.WriteStartElement('command', 'parameterValue', $CommandNs)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('command', 'variableLength', $CommandNs, 'false')
            $W.WriteString((ConvertTo-XmlText $v))
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    # A switch takes no value: syntax shows [-Peer], the parameter list shows [<SwitchParameter>].
    if (-not ($InSyntax -and $p.IsSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $CommandNs)
        $W.WriteAttributeString('required', $(if ($p.IsSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', $(if ($p.IsArray) { 'true' } else { 'false' }))
        $W.WriteString((ConvertTo-XmlText $p.TypeName))
        $W.WriteEndElement()
    }
    Write-MamlType $W $p.FullTypeName
    Write-TextElement $W 'dev' 'defaultValue' $DevNs $p.DefaultValue
    $W.WriteEndElement()
}

function Write-MamlCommand([System.Xml.XmlWriter] $W, $Command) {
    $W.WriteStartElement('command', 'command', $CommandNs)
    $W.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
    $W.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $W.WriteAttributeString('xmlns', 'dev', $null, $DevNs)
    $W.WriteAttributeString('xmlns', 'MSHelp', $null, $MsHelpNs)

    $W.WriteStartElement('command', 'details', $CommandNs)
    Write-TextElement $W 'command' 'name' $CommandNs $Command.Name
    Write-TextElement $W 'command' 'verb' $CommandNs $Command.Verb
    Write-TextElement $W 'command' 'noun' $CommandNs $Command.Noun
    Write-MamlDescription $W $Command.Synopsis
    $W.WriteEndElement()

    Write-MamlDescription $W $Command.Description

    $W.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($s in $Command.Syntax) {
        $W.WriteStartElement('command', 'syntaxItem', $CommandNs)
        Write-TextElement $W 'maml' 'name' $MamlNs $Command.Name
        foreach ($item in $s.Items) { Write-MamlParameter $W $item -InSyntax }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $CommandNs)
    foreach ($entry in $Command.Parameters) { Write-MamlParameter $W $entry }
    $W.WriteEndElement()

    Write-MamlTypeList $W 'inputTypes' 'inputType' $Command.Inputs
    Write-MamlTypeList $W 'returnValues' 'returnValue' $Command.Outputs

    if (@($Command.Notes).Count -gt 0) {
        $W.WriteStartElement('maml', 'alertSet', $MamlNs)
        $W.WriteStartElement('maml', 'alert', $MamlNs)
        foreach ($n in $Command.Notes) { Write-TextElement $W 'maml' 'para' $MamlNs $n }
        $W.WriteEndElement()
        $W.WriteEndElement()
    }

    $W.WriteStartElement('command', 'examples', $CommandNs)
    $number = 0
    foreach ($e in $Command.Examples) {
        $number++
        $W.WriteStartElement('command', 'example', $CommandNs)
        Write-TextElement $W 'maml' 'title' $MamlNs "-------------------------- Example $number --------------------------"
        Write-TextElement $W 'dev' 'code' $DevNs $e.Code
        $W.WriteStartElement('dev', 'remarks', $DevNs)
        foreach ($r in $e.Remarks) { Write-TextElement $W 'maml' 'para' $MamlNs $r }
        # An empty paragraph: the blank line between one example and the next.
        $W.WriteStartElement('maml', 'para', $MamlNs); $W.WriteEndElement()
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($l in $Command.Related) {
        $W.WriteStartElement('maml', 'navigationLink', $MamlNs)
        Write-TextElement $W 'maml' 'linkText' $MamlNs $l.Text
        Write-TextElement $W 'maml' 'uri' $MamlNs $l.Uri
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

$outputFolder = [System.IO.Path]::GetDirectoryName($OutputPath)
if (-not (Test-Path -LiteralPath $outputFolder -PathType Container)) {
    try { [void] [System.IO.Directory]::CreateDirectory($outputFolder) }
    catch { throw "New-MamlHelp: cannot create the help folder '$outputFolder': $($_.Exception.Message)" }
}
$tempPath = Join-Path $outputFolder ('.' + [System.IO.Path]::GetFileName($OutputPath) + '.' + [guid]::NewGuid().ToString('N') + '.tmp')
try {
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::Replace
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $stream = [System.IO.File]::Open($tempPath, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
    try {
        $writer = [System.Xml.XmlWriter]::Create($stream, $settings)
        try {
            $writer.WriteStartDocument()
            $writer.WriteStartElement('helpItems', 'http://msh')
            $writer.WriteAttributeString('schema', 'maml')
            foreach ($command in $commands) { Write-MamlCommand $writer $command }
            $writer.WriteEndElement()
            $writer.WriteEndDocument()
            $writer.Flush()
        }
        finally { $writer.Dispose() }
        $stream.Flush($true)
    }
    finally { $stream.Dispose() }

    # Read it back before it replaces anything: well-formed, one command per cmdlet.
    $check = New-Object System.Xml.XmlDocument
    $check.Load($tempPath)
    $ns = New-Object System.Xml.XmlNamespaceManager($check.NameTable)
    $ns.AddNamespace('command', $CommandNs)
    $written = $check.SelectNodes('//command:command', $ns).Count
    if ($written -ne $commands.Count) { throw "New-MamlHelp: wrote $written commands instead of $($commands.Count)." }

    if (Test-Path -LiteralPath $OutputPath -PathType Leaf) { [System.IO.File]::Replace($tempPath, $OutputPath, [NullString]::Value) }
    else { [System.IO.File]::Move($tempPath, $OutputPath) }
}
catch {
    if ($_.Exception.Message -like 'New-MamlHelp:*') { throw }
    throw "New-MamlHelp: cannot write '$OutputPath': $($_.Exception.Message)"
}
finally {
    if (Test-Path -LiteralPath $tempPath) { Remove-Item -LiteralPath $tempPath -Force -ErrorAction SilentlyContinue }
}
Write-Verbose "Help for $($commands.Count) cmdlets ($((@($commands | ForEach-Object Name)) -join ', ')) written to $OutputPath"

#endregion
