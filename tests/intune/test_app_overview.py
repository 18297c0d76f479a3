"""An app's overview sections built from its Graph type (intune/app_overview.py)."""

from intune_tui.intune.app_overview import rule_words


def test_rule_words_for_each_rule_shape() -> None:
    assert rule_words({"@odata.type": "#microsoft.graph.win32LobAppFileSystemRule",
                       "path": "C:\\Apps", "fileOrFolderName": "a.exe",
                       "operationType": "exists", "check32BitOn64System": True}) == \
        "File C:\\Apps\\a.exe (32-bit on 64-bit): exists"
    assert rule_words({"@odata.type": "#microsoft.graph.win32LobAppRegistryRule",
                       "keyPath": "HKLM\\X", "valueName": "V", "operationType": "integer",
                       "operator": "lessThan", "comparisonValue": "3"}) == \
        "Registry HKLM\\X value V: integer < 3"
    assert rule_words({"@odata.type": "#microsoft.graph.win32LobAppProductCodeRule",
                       "productCode": "{P}", "productVersionOperator": "notConfigured"}) == \
        "MSI product code {P}"
    assert rule_words({"@odata.type": "#microsoft.graph.win32LobAppPowerShellScriptRule",
                       "displayName": "check.ps1", "operationType": "notConfigured"}) == \
        "PowerShell script check.ps1"
    assert rule_words({"@odata.type": "#microsoft.graph.win32LobAppFutureRule",
                       "colour": "blue"}) == "Win32 lob app future rule: Colour: blue"
