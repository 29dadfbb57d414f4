; Inno Setup recipe for the Windows installer of 院感督导 (docs/BUILD.md). Built by
; .github/workflows/windows-installer.yml from dist\yuangan (python tasks.py build):
;   ISCC.exe /DAppVersion=0.1.0 installer\yuangan.iss   ->  dist\installer\yuangan-setup-0.1.0.exe
; Per user, without administrator rights; the data directory (%LOCALAPPDATA%\yuangan-duzao) is not the install
; directory (%LOCALAPPDATA%\Programs\yuangan-duzao), so upgrading or uninstalling never touches the data.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "院感督导"
#define ProgId "YuanganDuzao.Package"

[Setup]
; The same AppId in every version: a newer installer upgrades the installed program in place.
AppId={{6D3F1B6E-2C1A-4E8B-9F52-7A0C3D9B1E44}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
PrivilegesRequired=lowest
DefaultDirName={autopf}\yuangan-duzao
DisableProgramGroupPage=yes
DisableDirPage=auto
OutputDir=..\dist\installer
OutputBaseFilename=yuangan-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
; A running copy is closed (after asking) before its files are replaced.
CloseApplications=yes
UninstallDisplayIcon={app}\yuanganw.exe
UninstallDisplayName={#AppName}

[Languages]
; Chinese messages: official in recent Inno Setup releases, otherwise fetched next to this script by the workflow.
#if FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "zh"; MessagesFile: "compiler:Default.isl,ChineseSimplified.isl"
#elif FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; The previous version's bundle goes first, so no stale library or migration script outlives an upgrade.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\dist\yuangan\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; yuanganw.exe is the window without a console; yuangan.exe is the same program for the command line.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\yuanganw.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\yuanganw.exe"; Tasks: desktopicon

[Registry]
; Exchange packages (.ygpkg) open in the application: the window starts with the package's import preview.
Root: HKA; Subkey: "Software\Classes\.ygpkg"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.ygpkg\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "{#AppName}数据包"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\yuanganw.exe,0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\yuanganw.exe"" ""%1"""

[Run]
Filename: "{app}\yuanganw.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete]: the uninstaller removes only what it installed; the data directory
; (%LOCALAPPDATA%\yuangan-duzao: database, backups, logs, settings) stays for a later installation.
