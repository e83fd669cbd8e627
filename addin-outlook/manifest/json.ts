// The unified JSON manifest (Microsoft 365 app manifest 1.17, the version office-addin-manifest-converter
// writes) from the source: the same buttons, pages, runtimes and send event as the XML manifest.
import { CONTROL_ICON_SIZES, url, type AddinSource, type ComposeToggle, type PaneButton } from "./source.js";

export const JSON_MANIFEST_VERSION = "1.17";

/** Action ids of the unified manifest: the function names (executeFunction) and the panes (openPage). */
export const ACTION = { openPane: (p: PaneButton) => `open_${p.id}` };

function mailbox(minVersion: string) {
  return { capabilities: [{ name: "Mailbox", minVersion }] };
}

function icons(s: AddinSource) {
  return CONTROL_ICON_SIZES.map((size) => ({ size, url: url(s, s.controlIcons[size]!) }));
}

function button(s: AddinSource, b: ComposeToggle | PaneButton, actionId: string) {
  return {
    id: b.id,
    type: "button",
    label: b.label,
    icons: icons(s),
    supertip: { title: b.label, description: b.tooltip },
    actionId,
  };
}

function paneRuntime(s: AddinSource, p: PaneButton) {
  return {
    requirements: mailbox("1.3"),
    id: `${p.id}_runtime`,
    type: "general",
    code: { page: url(s, p.page) },
    lifetime: "short",
    actions: [{ id: ACTION.openPane(p), type: "openPage", ...(p.pinnable ? { pinnable: true } : {}), view: p.id }],
  };
}

export function jsonManifest(s: AddinSource): Record<string, unknown> {
  const { encrypt, sign, sendSecurely } = s.compose;
  return {
    $schema: `https://developer.microsoft.com/json-schemas/teams/v${JSON_MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: JSON_MANIFEST_VERSION,
    id: s.id,
    version: s.version.split(".").slice(0, 3).join("."),
    name: { short: s.name, full: s.name },
    description: { short: s.shortDescription, full: s.description },
    developer: {
      name: s.provider,
      websiteUrl: url(s, "/"),
      privacyUrl: url(s, s.supportPath),
      termsOfUseUrl: url(s, s.supportPath),
    },
    icons: { color: s.packageIcons.color, outline: s.packageIcons.outline },
    accentColor: "#1F4E79",
    validDomains: [new URL(s.baseUrl).host],
    authorization: {
      permissions: { resourceSpecific: [{ name: "MailboxItem.ReadWrite.User", type: "Delegated" }] },
    },
    extensions: [
      {
        requirements: { scopes: ["mail"], ...mailbox("1.3") },
        runtimes: [
          {
            requirements: mailbox(s.minMailbox),
            id: "commands_runtime",
            type: "general",
            // The page for browser runtimes, the one-file script for classic Outlook on Windows.
            code: { page: url(s, s.commandsPage), script: url(s, s.commandsScript) },
            lifetime: "short",
            actions: [
              { id: s.onSend.functionName, type: "executeFunction" },
              { id: encrypt.functionName, type: "executeFunction" },
              { id: sign.functionName, type: "executeFunction" },
            ],
          },
          paneRuntime(s, sendSecurely),
          paneRuntime(s, s.read.pane),
        ],
        ribbons: [
          {
            contexts: ["mailCompose"],
            tabs: [
              {
                builtInTabId: "TabDefault",
                groups: [
                  {
                    id: "msgComposeGroup",
                    label: s.compose.group,
                    icons: icons(s),
                    controls: [
                      button(s, encrypt, encrypt.functionName),
                      button(s, sign, sign.functionName),
                      button(s, sendSecurely, ACTION.openPane(sendSecurely)),
                    ],
                  },
                ],
              },
            ],
          },
          {
            contexts: ["mailRead"],
            tabs: [
              {
                builtInTabId: "TabDefault",
                groups: [
                  {
                    id: "msgReadGroup",
                    label: s.read.group,
                    icons: icons(s),
                    controls: [button(s, s.read.pane, ACTION.openPane(s.read.pane))],
                  },
                ],
              },
            ],
          },
        ],
        autoRunEvents: [
          {
            requirements: mailbox(s.minMailbox),
            events: [
              {
                type: "messageSending",
                actionId: s.onSend.functionName,
                options: { sendMode: s.onSend.sendMode === "SoftBlock" ? "softBlock" : "block" },
              },
            ],
          },
        ],
      },
    ],
  };
}
