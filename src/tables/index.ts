export {
  queryTable,
  type TableQuery,
  TableQueryError,
  type TableResult,
  tableQuerySchema,
} from './query-table.js';
export { sampleRows } from './sample-data.js';
export { columnsOf, TABLE_NAMES, TABLE_SCHEMAS, type TableName } from './table-schemas.js';
