// ASN.1 tags as BER encodes them in the identifier octets (X.690 section 8.1.2).

/** The two class bits of the identifier octet (X.690 8.1.2.2, table 1). */
export type TagClass = "universal" | "application" | "context" | "private";

export const TAG_CLASSES: readonly TagClass[] = ["universal", "application", "context", "private"];

/** Universal tag numbers the CMS structures use (X.680 section 8.6, table 1). */
export const UniversalTag = {
  END_OF_CONTENTS: 0,
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OBJECT_IDENTIFIER: 6,
  SEQUENCE: 16,
  SET: 17,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
} as const;

/** Tag numbers above 2^28 - 1 (4 octets of 7 bits, X.690 8.1.2.4.2) occur in no standard. */
export const MAX_TAG_NUMBER_OCTETS = 4;

/** A class and number; `tagClass` defaults to universal. */
export interface Tag {
  readonly tagClass?: TagClass;
  readonly tagNumber: number;
}

/** A tag to expect; `constructed` unset means either form. */
export interface TagMatch extends Tag {
  readonly constructed?: boolean;
}

export const SEQUENCE: TagMatch = { tagNumber: UniversalTag.SEQUENCE, constructed: true };
export const SET: TagMatch = { tagNumber: UniversalTag.SET, constructed: true };
export const OCTET_STRING: TagMatch = { tagNumber: UniversalTag.OCTET_STRING };

/** `[n]`: a context-specific tag, as CMS writes its IMPLICIT and EXPLICIT fields. */
export function contextTag(tagNumber: number, constructed?: boolean): TagMatch {
  return constructed === undefined
    ? { tagClass: "context", tagNumber }
    : { tagClass: "context", tagNumber, constructed };
}

export interface Tagged {
  readonly tagClass: TagClass;
  readonly tagNumber: number;
  readonly constructed: boolean;
}

export function matchesTag(tag: Tagged, match: TagMatch): boolean {
  return (
    tag.tagClass === (match.tagClass ?? "universal") &&
    tag.tagNumber === match.tagNumber &&
    (match.constructed === undefined || tag.constructed === match.constructed)
  );
}

const universalNames: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(UniversalTag).map(([name, n]) => [n, name.replace(/_/g, " ")]),
);

/** "SEQUENCE", "[0] constructed", "APPLICATION 3 primitive", for error messages. */
export function describeTag(tag: TagMatch | Tagged): string {
  const tagClass = tag.tagClass ?? "universal";
  const name =
    tagClass === "universal"
      ? (universalNames[tag.tagNumber] ?? `UNIVERSAL ${tag.tagNumber}`)
      : tagClass === "context"
        ? `[${tag.tagNumber}]`
        : `${tagClass.toUpperCase()} ${tag.tagNumber}`;
  return tag.constructed === undefined ? name : `${name} ${tag.constructed ? "constructed" : "primitive"}`;
}
