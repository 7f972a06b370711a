/** What a controller needs of the response to set a header such as `Location` (adapter-agnostic). */
export interface HeaderSettable {
  setHeader(name: string, value: string | string[]): unknown;
}
